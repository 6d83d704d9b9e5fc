# Log collection and stats polling (actors/log_*, actors/stats_poller):
# pure units, actor tests on the fake engine, and one integration suite
# against the test environment's dockerd through the real client.
stevedore_test(actors_log_rotation_test SOURCES log_rotation_test.cpp LIBS stevedore_actors LABELS actors)
stevedore_test(actors_log_stamps_test SOURCES log_stamps_test.cpp LIBS stevedore_actors LABELS actors)
stevedore_test(actors_stats_cpu_test SOURCES stats_cpu_test.cpp LIBS stevedore_actors LABELS actors)
stevedore_test(actors_log_collector_test SOURCES log_collector_test.cpp
  LIBS stevedore_actors stevedore_fake_engine LABELS actors)
stevedore_test(actors_stats_poller_test SOURCES stats_poller_test.cpp
  LIBS stevedore_actors stevedore_fake_engine LABELS actors)
stevedore_test(actors_logs_stats_integration_test SOURCES logs_stats_integration_test.cpp
  LIBS stevedore_actors stevedore_testenv LABELS actors INTEGRATION)
