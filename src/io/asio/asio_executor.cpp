#include "io/asio/asio_executor.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace aipg::io {

void AsioExecutor::post(std::function<void()> fn) { boost::asio::post(ctx_, std::move(fn)); }

}  // namespace aipg::io
