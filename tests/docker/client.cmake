# The Engine API client: framing, decoding of recorded real answers, and the
# client against scripted fake daemons (unit); every call against the real
# daemon and registry, over the Unix socket and mutual TLS (integration).

stevedore_test(docker_client_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/framing_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/decode_test.cpp
  LIBS stevedore_docker stevedore_fake_server
  LABELS docker)
target_compile_definitions(docker_client_test PRIVATE
  STEVEDORE_DOCKER_TEST_DATA="${CMAKE_CURRENT_LIST_DIR}/data")

stevedore_test(docker_client_fake_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/client_test.cpp
  LIBS stevedore_docker stevedore_fake_server
  LABELS docker)

# Against the real daemon and registry of tools/testenv.sh (fails without it).
# Each test runs once per transport (unix, tls) and both load, pull and
# remove the same tags: one at a time under ctest -j.
stevedore_test(docker_client_integration_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/client_integration_test.cpp
  INTEGRATION
  LOCK testenv_image_tags
  LIBS stevedore_docker stevedore_testenv
  LABELS docker)
