# The agent (tools/agent): its HTTP server and every API route over real
# loopback sockets against a fake backend, its log streaming, and the
# metrics with the metered Engine API client. No daemon needed.
add_library(stevedore_agent_testing STATIC ${CMAKE_CURRENT_LIST_DIR}/agent_http.cpp)
target_include_directories(stevedore_agent_testing PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(stevedore_agent_testing PRIVATE stevedore_warnings)

stevedore_test(agent_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/agent_routes_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/agent_server_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/agent_hostile_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/agent_logs_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/agent_metrics_test.cpp
  LIBS stevedore_agent stevedore_agent_testing simdjson::simdjson
  LABELS agent)

# `stevedore agent` against the real daemon: only once the program has the
# subcommand (the supervisor's embedding header exists).
if(TARGET stevedore_agent_supervisor)
  stevedore_test(agent_integration_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_integration_test.cpp
    LIBS stevedore_testenv stevedore_agent_testing simdjson::simdjson
    LABELS agent INTEGRATION)
  add_dependencies(agent_integration_test stevedore)
  target_compile_definitions(agent_integration_test PRIVATE STEVEDORE_BIN="$<TARGET_FILE:stevedore>")
endif()

# The inspection API and the command-line client against `stevedore agent`
# on the real daemon (issue 14).
if(TARGET stevedore_agent_supervisor)
  stevedore_test(console_integration_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/console_integration_test.cpp
    LIBS stevedore_testenv stevedore_agent_testing simdjson::simdjson
    LABELS agent INTEGRATION)
  add_dependencies(console_integration_test stevedore)
  target_compile_definitions(console_integration_test PRIVATE STEVEDORE_BIN="$<TARGET_FILE:stevedore>"
    CONSOLE_BROWSER_JS="${CMAKE_CURRENT_LIST_DIR}/console_browser.js"
    CONSOLE_ARTEFACTS="${CMAKE_CURRENT_BINARY_DIR}/console-screenshots")
endif()

# Durable state (issue 13): the agent killed with SIGKILL and started again
# on its state folder re-attaches, settles exits and losses, and reconciles.
if(TARGET stevedore_agent_supervisor)
  stevedore_test(agent_recovery_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_recovery_test.cpp
    LIBS stevedore_testenv stevedore_agent_testing simdjson::simdjson
    LABELS agent INTEGRATION)
  add_dependencies(agent_recovery_test stevedore)
  target_compile_definitions(agent_recovery_test PRIVATE STEVEDORE_BIN="$<TARGET_FILE:stevedore>")
endif()

# The fault driver (tools/fault.sh) in a small configuration on the test
# environment's daemon: 6 tasks, 3 agent SIGKILLs (about a minute).
if(TARGET stevedore_agent_supervisor)
  add_test(NAME fault_agent_kills
    COMMAND bash ${PROJECT_SOURCE_DIR}/tools/fault.sh)
  set_tests_properties(fault_agent_kills PROPERTIES
    ENVIRONMENT "STEVEDORE_TESTENV=${STEVEDORE_TESTENV_FILE};BUILD=${CMAKE_BINARY_DIR};FAULT_TASKS=6;FAULT_KILLS=3"
    LABELS integration-agent
    FIXTURES_REQUIRED docker_env
    TIMEOUT 600)
endif()
