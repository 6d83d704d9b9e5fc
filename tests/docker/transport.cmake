# The HTTP transport under the Engine API client, against scripted fake
# daemons (tests/docker/fake_server.hpp) and, with INTEGRATION, a real one.

# The fake daemon, for any test that needs one to answer, stall or misbehave
# on cue (the Engine API decoding tests link it too).
add_library(stevedore_fake_server STATIC
  ${CMAKE_CURRENT_LIST_DIR}/fake_script.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fake_server.cpp)
target_include_directories(stevedore_fake_server PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(stevedore_fake_server
  PUBLIC stevedore_docker Threads::Threads
  PRIVATE Boost::headers OpenSSL::SSL OpenSSL::Crypto stevedore_warnings)

stevedore_test(docker_transport_test
  SOURCES
    endpoint_test.cpp
    status_error_test.cpp
    transport_test.cpp
    transport_failure_test.cpp
    transport_lifecycle_test.cpp
    transport_stream_test.cpp
    transport_tls_test.cpp
  LIBS stevedore_docker stevedore_fake_server
  LABELS docker)

# Against the real daemon of tools/testenv.sh (fails without it).
stevedore_test(transport_integration_test
  SOURCES transport_integration_test.cpp
  INTEGRATION
  LIBS stevedore_docker stevedore_fake_server stevedore_testenv
  LABELS docker)
