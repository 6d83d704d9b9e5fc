# Client rules, interpolation, ports, env, volumes, create body and plan.
# Golden create bodies live in golden/; STEVEDORE_UPDATE_GOLDEN=1 rewrites
# them (see create_body_test.cpp).
stevedore_test(policy_mapping_test
  SOURCES
    capabilities_test.cpp
    check_job_test.cpp
    volumes_test.cpp
    ports_test.cpp
    interpolate_test.cpp
    options_test.cpp
    task_env_test.cpp
    create_body_test.cpp
    plan_test.cpp
    intake_test.cpp
    nomad1_test.cpp
    nomad_docs_test.cpp
  LIBS stevedore_policy
  LABELS policy)
target_compile_definitions(policy_mapping_test PRIVATE
  STEVEDORE_GOLDEN_DIR="${CMAKE_CURRENT_SOURCE_DIR}/golden"
  STEVEDORE_DOCS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data/nomad_docs")
