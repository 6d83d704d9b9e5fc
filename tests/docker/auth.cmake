# Registry authentication: the X-Registry-Auth header, docker.auth.config
# files and credential helpers (fake helper scripts written by the tests);
# with INTEGRATION, the header against the test environment's registry.
stevedore_test(docker_auth_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/registry_auth_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/docker_config_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/credential_helper_test.cpp
  LIBS stevedore_docker stevedore_policy Threads::Threads
  LABELS docker)

stevedore_test(registry_auth_integration_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/registry_auth_integration_test.cpp
  INTEGRATION
  LIBS stevedore_docker stevedore_policy stevedore_testenv
  LABELS docker)
