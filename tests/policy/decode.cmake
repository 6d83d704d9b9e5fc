# Decoding: durations, image references, job files (HCL and Nomad's JSON form)
# and client settings into the messages/ structs, with every check that needs
# no client settings.
set(_decode_tests
  duration_test.cpp
  image_ref_test.cpp
  config_decode_test.cpp
  job_decode_test.cpp
  job_json_test.cpp
  client_decode_test.cpp
  spec_examples_test.cpp)
set(_decode_sources)
foreach(_t ${_decode_tests})
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_t})
    list(APPEND _decode_sources ${_t})
  endif()
endforeach()
stevedore_test(policy_decode_test
  SOURCES ${_decode_sources}
  LIBS stevedore_policy
  LABELS policy)
# The specification's example blocks, verbatim (shared with the parser tests).
target_compile_definitions(policy_decode_test PRIVATE
  STEVEDORE_SPEC_EXAMPLES_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data/spec_examples")
