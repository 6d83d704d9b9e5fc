// -var and -var-file of `validate`, `plan` and `run`, with NOMAD_VAR_* from
// the environment: the values of an HCL2 job file's variables, and file()
// reading relative to the job file (policy/hcl2.hpp).
#pragma once

#include <string>
#include <vector>

#include "policy/hcl2.hpp"

namespace CLI {
class App;
}

namespace stevedore::cli {

struct variable_args {
  std::vector<std::string> vars;      // -var name=value
  std::vector<std::string> var_files; // -var-file FILE
};

void add_variable_options(CLI::App& app, variable_args& args);

// The inputs for the job file `job_file`; false with `why` (one line) when a
// -var is malformed or a -var-file cannot be read.
bool load_variables(const variable_args& args, const std::string& job_file,
                    policy::hcl2_inputs& out, std::string& why);

} // namespace stevedore::cli
