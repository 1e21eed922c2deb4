// Message ids (libp2p/specs pubsub/gossipsub v1.0 "Message identification"): the key under
// which the seen cache, the message cache and IHAVE/IWANT/IDONTWANT know a message. Every peer
// on a topic must compute the same function, so it is the application's choice, per network.
#pragma once

#include <functional>
#include <string>

#include "protocol/gossipsub/rpc.hpp"

namespace aipg::gossipsub {

using MessageIdFn = std::function<MessageId(const Message&)>;

// go-libp2p-pubsub's DefaultMsgIdFn (and js's and rust's default): the raw `from` bytes
// followed by the raw `seqno` bytes; an absent field contributes nothing. Unique per author as
// long as authors never repeat a seqno, which StrictSign messages guarantee by construction.
MessageId default_message_id(const Message& m);

// The SHA-256 of `data` (32 raw bytes; an absent `data` hashes as empty): for unsigned
// (StrictNoSign) networks, where from and seqno are absent, so equal payloads are one message.
MessageId content_message_id(const Message& m);

// Lower-case hex of the id's bytes, for logs and traces.
std::string message_id_hex(const MessageId& id);

}  // namespace aipg::gossipsub
