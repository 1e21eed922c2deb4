# Gossipsub: signing and StrictSign verification of 1 KiB messages (the relay's floor), the
# codec, and one router relaying a message to its mesh.
add_executable(gossipsub_bench ${CMAKE_CURRENT_SOURCE_DIR}/gossipsub_bench.cpp)
target_link_libraries(gossipsub_bench PRIVATE aipg_gossipsub aipg_io_sim benchmark::benchmark
                                              PkgConfig::SODIUM OpenSSL::Crypto)
