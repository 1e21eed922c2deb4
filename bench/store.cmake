# JobStore writes (src/store): put_own with synchronous FULL and NORMAL, put_facts batches.
add_executable(store_bench ${CMAKE_CURRENT_SOURCE_DIR}/store_bench.cpp)
target_link_libraries(store_bench PRIVATE aipg_store benchmark::benchmark)
