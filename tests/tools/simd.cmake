# The simulated Docker daemon (tools/simdockerd), driven by our own transport.
stevedore_test(simd_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/simd_test.cpp
  LIBS stevedore_simd stevedore_docker
  LABELS sim)

stevedore_test(simd_scale_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/simd_scale_test.cpp
  LIBS stevedore_simd stevedore_docker
  LABELS sim)
