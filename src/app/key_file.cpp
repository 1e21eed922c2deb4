#include "app/key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "base/log.hpp"

namespace aipg::app {

Result<wire::KeyPair> read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io, "key file " + path + ": " + std::strerror(errno));
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto kp = wire::KeyPair::from_protobuf(data);
  if (!kp) return make_error(kp.error().code, "key file " + path + ": " + kp.error().message);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077)) {
    // Not fatal (the operator may know better), but worth saying.
    log::warn("key file {} is readable by others; chmod 600 it", path);
  }
  return kp;
}

Result<wire::KeyPair> create_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return make_error(Errc::io, "key file " + path + ": " + std::strerror(errno));
  wire::KeyPair kp = wire::KeyPair::generate();
  Bytes pb = kp.to_protobuf();
  ssize_t n = ::write(fd, pb.data(), pb.size());
  int err = errno;
  ::fsync(fd);
  ::close(fd);
  if (n != ssize_t(pb.size())) {
    ::unlink(path.c_str());
    return make_error(Errc::io, "key file " + path + ": " + std::strerror(err));
  }
  return kp;
}

Result<wire::KeyPair> load_or_create_key(const std::string& path) {
  if (path.empty()) return wire::KeyPair::generate();
  if (::access(path.c_str(), F_OK) != 0) return create_key_file(path);
  return read_key_file(path);
}

}  // namespace aipg::app
