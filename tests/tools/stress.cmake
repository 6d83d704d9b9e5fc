# `stevedore stress`: statistics, reports, schedule and workload (unit), and
# the lifecycle drivers against the test environment's daemon (integration).
stevedore_test(stress_test
  SOURCES stress_stats_test.cpp stress_report_test.cpp stress_schedule_test.cpp
          stress_workload_test.cpp stress_supervisor_driver_test.cpp
  LIBS stevedore_stress_core simdjson::simdjson
  LABELS stress)

# The drivers against the test environment's daemon; they need the real
# Engine API client, and the supervisor's driver once it is built.
get_property(_stress_has_client GLOBAL PROPERTY STEVEDORE_STRESS_HAS_CLIENT)
if(_stress_has_client)
  stevedore_test(stress_integration_test
    SOURCES stress_integration_test.cpp
    LIBS stevedore_stress stevedore_testenv
    LABELS stress INTEGRATION)
  if(TARGET stevedore_stress_supervisor)
    target_link_libraries(stress_integration_test PRIVATE stevedore_stress_supervisor)
    target_compile_definitions(stress_integration_test PRIVATE STEVEDORE_STRESS_SUPERVISOR=1)
  endif()
endif()

# The drivers at scale against the simulated daemon, started in-process.
if(_stress_has_client AND TARGET stevedore_simd)
  stevedore_test(stress_simd_test
    SOURCES stress_simd_test.cpp
    LIBS stevedore_stress stevedore_simd
    LABELS stress)
  if(TARGET stevedore_stress_supervisor)
    target_link_libraries(stress_simd_test PRIVATE stevedore_stress_supervisor)
    target_compile_definitions(stress_simd_test PRIVATE STEVEDORE_STRESS_SUPERVISOR=1)
  endif()
endif()
