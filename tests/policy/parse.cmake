# Syntax trees: HCL (job files, client settings) and JSON. Sample files live
# in data/ (spec_examples/ holds the specification's examples verbatim).
stevedore_test(policy_parse_test
  SOURCES
    hcl_test.cpp
    hcl2_test.cpp
    json_tree_test.cpp
  LIBS stevedore_policy
  LABELS policy)
target_compile_definitions(policy_parse_test PRIVATE
  STEVEDORE_PARSE_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data")
