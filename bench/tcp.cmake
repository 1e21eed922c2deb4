# Raw TcpStream throughput over loopback (io/asio), one thread running the io_context.
add_executable(tcp_bench ${CMAKE_CURRENT_SOURCE_DIR}/tcp_bench.cpp)
target_link_libraries(tcp_bench PRIVATE benchmark::benchmark aipg_io_asio)
