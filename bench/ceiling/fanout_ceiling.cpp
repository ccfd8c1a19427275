// The raw fan-out ceiling of this machine: one process writing the same byte stream
// (a video-like bitrate, one buffer per frame interval) to N loopback TCP sockets with
// writev, and nothing else: no parsing, no muxing, no per-viewer state beyond the
// write. The most any relay could do here; scripts/bench reports a relay's CPU per
// viewer as a multiple of this one's.
//
//   fanout_ceiling serve PORT CLIENTS SECONDS [BITRATE] [FPS]   waits for CLIENTS, writes, prints its CPU
//   fanout_ceiling drain PORT CLIENTS SECONDS                    connects CLIENTS sockets and reads them
#include <sys/resource.h>
#include <uv.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Writer {
  uv_loop_t* loop = nullptr;
  uv_tcp_t server{};
  std::vector<uv_tcp_t*> clients;
  size_t wanted = 0;
  double seconds = 0;
  int fps = 30;
  std::vector<char> frame;  // one frame interval's bytes, shared by every write
  uv_timer_t tick{};
  uv_timer_t stop{};
  uint64_t writesInFlight = 0;
  uint64_t bytesWritten = 0;
  uint64_t skipped = 0;  // frames a socket was still busy with: it falls behind
  double cpuAtStart = 0;
  std::chrono::steady_clock::time_point started;
};

struct Write {
  uv_write_t request{};
  Writer* writer = nullptr;
};

void closeAll(Writer& writer) {
  uv_timer_stop(&writer.tick);
  uv_close(reinterpret_cast<uv_handle_t*>(&writer.tick), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&writer.stop), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&writer.server), nullptr);
  for (uv_tcp_t* client : writer.clients) {
    uv_close(reinterpret_cast<uv_handle_t*>(client), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  }
}

void onTick(uv_timer_t* timer) {
  auto& writer = *static_cast<Writer*>(timer->data);
  uv_buf_t buffer = uv_buf_init(writer.frame.data(), static_cast<unsigned>(writer.frame.size()));
  for (uv_tcp_t* client : writer.clients) {
    // Like a relay's viewer queue of one: a socket still busy skips this frame.
    if (uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(client)) > 0) {
      ++writer.skipped;
      continue;
    }
    auto* write = new Write{};
    write->writer = &writer;
    ++writer.writesInFlight;
    uv_write(&write->request, reinterpret_cast<uv_stream_t*>(client), &buffer, 1, [](uv_write_t* request, int status) {
      auto* done = reinterpret_cast<Write*>(request);
      --done->writer->writesInFlight;
      if (status == 0) {
        done->writer->bytesWritten += done->writer->frame.size();
      }
      delete done;
    });
  }
}

void onConnection(uv_stream_t* server, int status) {
  auto& writer = *static_cast<Writer*>(server->data);
  if (status != 0) {
    return;
  }
  auto* client = new uv_tcp_t{};
  uv_tcp_init(writer.loop, client);
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(client)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(client), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return;
  }
  uv_tcp_nodelay(client, 1);
  writer.clients.push_back(client);
  if (writer.clients.size() == writer.wanted) {
    writer.cpuAtStart = cpuSeconds();
    writer.started = std::chrono::steady_clock::now();
    uv_timer_start(&writer.tick, onTick, 0, static_cast<uint64_t>(1000 / writer.fps));
    uv_timer_start(
        &writer.stop,
        [](uv_timer_t* timer) {
          auto& w = *static_cast<Writer*>(timer->data);
          double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w.started).count();
          double cpu = cpuSeconds() - w.cpuAtStart;
          std::printf(
              "{\"clients\": %zu, \"seconds\": %.3f, \"cpu_seconds\": %.3f, \"mbit_per_s\": %.1f, "
              "\"cpu_seconds_per_viewer_minute\": %.6f, \"skipped_frames\": %llu}\n",
              w.clients.size(), wall, cpu, static_cast<double>(w.bytesWritten) * 8 / wall / 1e6,
              cpu / static_cast<double>(w.clients.size()) / (wall / 60), static_cast<unsigned long long>(w.skipped));
          std::fflush(stdout);
          closeAll(w);
        },
        static_cast<uint64_t>(writer.seconds * 1000), 0);
  }
}

int serve(int port, size_t clients, double seconds, double bitrate, int fps) {
  Writer writer;
  writer.loop = uv_default_loop();
  writer.wanted = clients;
  writer.seconds = seconds;
  writer.fps = fps;
  writer.frame.assign(static_cast<size_t>(bitrate / 8 / fps), 'x');
  uv_tcp_init(writer.loop, &writer.server);
  uv_timer_init(writer.loop, &writer.tick);
  uv_timer_init(writer.loop, &writer.stop);
  writer.server.data = writer.tick.data = writer.stop.data = &writer;
  sockaddr_in address{};
  uv_ip4_addr("127.0.0.1", port, &address);
  if (uv_tcp_bind(&writer.server, reinterpret_cast<const sockaddr*>(&address), 0) != 0 ||
      uv_listen(reinterpret_cast<uv_stream_t*>(&writer.server), 4096, onConnection) != 0) {
    std::fprintf(stderr, "fanout_ceiling: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  return uv_run(writer.loop, UV_RUN_DEFAULT) == 0 ? 0 : 1;
}

int drain(int port, size_t clients, double seconds) {
  uv_loop_t* loop = uv_default_loop();
  static char buffer[256 * 1024];  // one loop reads one socket at a time: one buffer serves all
  sockaddr_in address{};
  uv_ip4_addr("127.0.0.1", port, &address);
  std::vector<std::unique_ptr<uv_tcp_t>> sockets;
  for (size_t i = 0; i < clients; ++i) {
    auto socket = std::make_unique<uv_tcp_t>();
    uv_tcp_init(loop, socket.get());
    auto* connect = new uv_connect_t{};
    uv_tcp_connect(connect, socket.get(), reinterpret_cast<const sockaddr*>(&address), [](uv_connect_t* c, int status) {
      if (status == 0) {
        uv_read_start(
            c->handle, [](uv_handle_t*, size_t, uv_buf_t* buf) { *buf = uv_buf_init(buffer, sizeof(buffer)); },
            [](uv_stream_t* stream, ssize_t read, const uv_buf_t*) {
              if (read < 0) {
                uv_read_stop(stream);
              }
            });
      }
      delete c;
    });
    sockets.push_back(std::move(socket));
  }
  uv_timer_t stop{};
  uv_timer_init(loop, &stop);
  stop.data = &sockets;
  uv_timer_start(
      &stop,
      [](uv_timer_t* timer) {
        for (auto& socket : *static_cast<std::vector<std::unique_ptr<uv_tcp_t>>*>(timer->data)) {
          uv_close(reinterpret_cast<uv_handle_t*>(socket.get()), nullptr);
        }
        uv_close(reinterpret_cast<uv_handle_t*>(timer), nullptr);
      },
      static_cast<uint64_t>(seconds * 1000), 0);
  uv_run(loop, UV_RUN_DEFAULT);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: fanout_ceiling serve PORT CLIENTS SECONDS [BITRATE] [FPS]\n"
                 "       fanout_ceiling drain PORT CLIENTS SECONDS\n");
    return 2;
  }
  std::string mode = argv[1];
  int port = std::atoi(argv[2]);
  size_t clients = static_cast<size_t>(std::atol(argv[3]));
  double seconds = std::atof(argv[4]);
  if (mode == "serve") {
    return serve(port, clients, seconds, argc > 5 ? std::atof(argv[5]) : 2e6, argc > 6 ? std::atoi(argv[6]) : 30);
  }
  if (mode == "drain") {
    return drain(port, clients, seconds);
  }
  std::fprintf(stderr, "fanout_ceiling: unknown mode %s\n", mode.c_str());
  return 2;
}
