# Noise: ChaCha20-Poly1305 from OpenSSL EVP vs libsodium, and the framed Transport.
add_executable(noise_bench ${CMAKE_CURRENT_SOURCE_DIR}/noise_bench.cpp)
target_link_libraries(noise_bench PRIVATE aipg_noise benchmark::benchmark PkgConfig::SODIUM)
