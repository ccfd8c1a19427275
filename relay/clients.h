#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "relay/clock.h"

namespace rtsedge {

// What the API shows of one connected client (publisher, viewer, or a connection
// that has not said yet).
struct ClientInfo {
  uint64_t id = 0;
  std::string protocol;  // rtmp, http-flv, ...
  std::string role;      // publisher, player, none
  std::string stream;    // app/name, empty before publish or play
  std::string remote;    // peer address
  SteadyTime since{};
  uint64_t bytesReceived = 0;
  uint64_t bytesSent = 0;
  // Transport statistics where the protocol keeps them (SRT: RTT, loss, retransmissions).
  std::vector<std::pair<std::string, double>> transport;
};

// Every session registers as a Client so the API can list and kick it.
class Client {
 public:
  virtual ~Client() = default;
  virtual ClientInfo clientInfo() const = 0;
  // Closes the session (DELETE /api/v1/clients/{id}); it unregisters itself.
  virtual void kick() = 0;
};

// The clients of one loop, by id. Ids are unique across protocols for the
// process's life.
class ClientRegistry {
 public:
  uint64_t add(Client& client) {
    uint64_t id = ++lastId_;
    clients_.emplace(id, &client);
    return id;
  }
  void remove(uint64_t id) { clients_.erase(id); }
  Client* find(uint64_t id) const {
    auto it = clients_.find(id);
    return it == clients_.end() ? nullptr : it->second;
  }
  const std::map<uint64_t, Client*>& all() const { return clients_; }

 private:
  uint64_t lastId_ = 0;
  std::map<uint64_t, Client*> clients_;
};

}  // namespace rtsedge
