#include "protocol/gossipsub/message_id.hpp"

#include <sodium.h>

#include "wire/keys.hpp"

namespace aipg::gossipsub {

MessageId default_message_id(const Message& m) {
  MessageId id;
  id.reserve((m.from ? m.from->size() : 0) + (m.seqno ? m.seqno->size() : 0));
  if (m.from) id.append(m.from->begin(), m.from->end());
  if (m.seqno) id.append(m.seqno->begin(), m.seqno->end());
  return id;
}

MessageId content_message_id(const Message& m) {
  wire::ensure_sodium();
  static const uint8_t kNothing = 0;  // a valid pointer for empty input
  const bool empty = !m.data || m.data->empty();
  MessageId id(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(id.data()),
                     empty ? &kNothing : m.data->data(), empty ? 0 : m.data->size());
  return id;
}

std::string message_id_hex(const MessageId& id) { return to_hex(as_bytes(id)); }

}  // namespace aipg::gossipsub
