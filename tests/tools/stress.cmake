# `stevedore stress`: statistics, reports, schedule and workload (unit), and
# the lifecycle drivers against the test environment's daemon (integration).
stevedore_test(stress_test
  SOURCES stress_stats_test.cpp stress_report_test.cpp stress_schedule_test.cpp
          stress_workload_test.cpp
  LIBS stevedore_stress_core simdjson::simdjson
  LABELS stress)
