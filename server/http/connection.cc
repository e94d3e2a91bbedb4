#include "server/http/connection.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include <uv.h>

#include "server/http/listener.h"
#include "server/http/message.h"
#include "server/http/request_parser.h"
#include "server/http/response_writer.h"
#include "server/http/worker.h"

namespace tokenwarden::server::http {

using Event = RequestParser::Event;

Connection::Connection(Worker& worker)
    : worker_(worker), parser_(worker.shared().limits), idleness_(Idleness::kBusy) {
  // Neither init can fail on Unix for a TCP handle without flags, or a timer.
  uv_tcp_init(worker.loop(), &tcp_);
  uv_timer_init(worker.loop(), &timer_);
  tcp_.data = this;
  timer_.data = this;
  write_req_.data = this;
  open_handles_ = 2;
  request_.worker = worker.index();
  request_.deferrer = this;
}

void Connection::Accept(Worker& worker, uv_stream_t* server) {
  auto* connection = new Connection(worker);  // deleted in OnClose
  worker.Add(connection);
  if (uv_accept(server, connection->stream()) < 0) {
    connection->Close();
    return;
  }
  worker.shared().accepted.fetch_add(1, std::memory_order_relaxed);
  connection->Start();
}

void Connection::Start() {
  // Responses are written whole; Nagle would hold back the last segment of each.
  uv_tcp_nodelay(&tcp_, 1);
  sockaddr_storage addr = {};
  int addr_len = sizeof(addr);
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&addr), &addr_len) == 0) {
    const auto* peer = reinterpret_cast<const sockaddr*>(&addr);
    peer_ = FormatAddress(peer);
    SourceLimiter& sources = *worker_.shared().sources;
    if (sources.enabled() && SourceKeyOf(peer, source_)) {
      if (!sources.Acquire(source_)) {
        worker_.shared().refused_per_source.fetch_add(1, std::memory_order_relaxed);
        Close();
        return;
      }
      source_counted_ = true;
    }
  }
  request_.peer = peer_;
  accepted_ms_ = uv_now(worker_.loop());
  StartReading();
  Settle();
}

void Connection::OnAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  *buf = static_cast<Connection*>(handle->data)->worker_.ReadBuffer();
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  Connection& self = *static_cast<Connection*>(stream->data);
  if (nread > 0) {
    self.read_ns_ = uv_hrtime();
    const auto len = static_cast<size_t>(nread);
    const size_t used = self.Consume(buf->base, len);
    if (self.paused_ && !self.parsing_stopped_) {
      // The shared read buffer is reused by the next read: keep what was not parsed.
      self.pending_in_.assign(buf->base + used, len - used);
    }
  } else if (nread == UV_EOF) {
    // The client sends no more: what is queued is still written, a partial request dropped.
    self.StopParsing();
  } else if (nread < 0) {
    self.Close();
    return;
  }
  self.Settle();
}

size_t Connection::Consume(const char* data, size_t len) {
  size_t used = 0;
  bool again = false;  // after an event llhttp may finish a request without more input
  while (!parsing_stopped_ && (used < len || again)) {
    if (!parser_.in_message() && (deferred_id_ != 0 || PipelineFull())) {
      paused_ = true;
      StopReading();
      break;
    }
    const RequestParser::Step step = parser_.Execute(data + used, len - used);
    used += step.consumed;
    if (parser_.in_message() && !request_timed_) {
      // The bytes of one read arrived together: a request starting in it started then.
      request_ns_ = read_ns_;
      // The first request's head is due within the read timeout of accept, not of its first
      // byte: a client that connects and waits before it sends gains nothing.
      request_ms_ = any_request_ ? uv_now(worker_.loop()) : accepted_ms_;
      request_timed_ = true;
      any_request_ = true;
    }
    again = step.event == Event::kHeadersComplete || step.event == Event::kMessageComplete;
    switch (step.event) {
      case Event::kNeedMore:
        break;
      case Event::kHeadersComplete:
        // RFC 9110 §10.1.1: the head passed the limits, so invite the body.
        if (parser_.expects_continue()) {
          out_.append(kContinueResponse);
        }
        break;
      case Event::kMessageComplete:
        OnMessage();
        break;
      case Event::kError:
        Fail(parser_.error_status(), parser_.error_detail());
        break;
    }
  }
  return used;
}

void Connection::OnMessage() {
  parser_.Fill(request_);
  response_.Reset();
  worker_.shared().handler(request_, response_);
  if (deferred_id_ != 0) {
    return;  // FinishDeferred answers; parsing waits (the loop above sees deferred_id_)
  }
  Answer();
}

void Connection::Answer() {
  const bool close =
      !parser_.keep_alive() || response_.close || worker_.draining() || parser_.upgrade();
  ConnectionHeader header = ConnectionHeader::kNone;
  if (close) {
    header = ConnectionHeader::kClose;
  } else if (parser_.is_http10()) {
    header = ConnectionHeader::kKeepAlive;
  }
  Queue(&request_, parser_.is_head(), header);
  request_timed_ = false;
  if (close) {
    StopParsing();
  }
}

DeferredResponse Connection::Defer(uint32_t timeout_ms, Continuation on_timeout) {
  deferred_id_ = worker_.AddDeferred(this);
  deferred_deadline_ms_ = timeout_ms == 0 ? 0 : uv_now(worker_.loop()) + timeout_ms;
  on_deferred_timeout_ = std::move(on_timeout);
  return DeferredResponse(worker_.defer_queue(), deferred_id_);
}

void Connection::Cancel(DeferredResponse& later) {
  if (later.id_ == 0 || later.id_ != deferred_id_) {
    return;
  }
  worker_.RemoveDeferred(deferred_id_);
  deferred_id_ = 0;
  deferred_deadline_ms_ = 0;
  on_deferred_timeout_ = nullptr;
  later.id_ = 0;
  later.queue_.reset();
}

void Connection::FinishDeferred(const Continuation& next) {
  if (closing_ || deferred_id_ == 0) {
    return;
  }
  deferred_id_ = 0;
  deferred_deadline_ms_ = 0;
  on_deferred_timeout_ = nullptr;
  // The parser has not run since the request was handled, so request_ and the parser's view
  // of it (keep-alive, HEAD, HTTP/1.0) still describe it.
  response_.Reset();
  next(request_, response_);
  if (deferred_id_ != 0) {
    return;  // the continuation deferred again
  }
  Answer();
  if (paused_ && !parsing_stopped_ && !PipelineFull()) {
    Resume();
  }
  Settle();
}

void Connection::Fail(int status, std::string_view detail) {
  MakeErrorResponse(status, detail, response_);
  // Completion sees the request when its head was parsed (a body error, 408 during the body,
  // 413/501/505 on the head), with an empty body; null when no complete head exists.
  const Request* request = nullptr;
  if (parser_.headers_complete()) {
    parser_.Fill(request_);
    request = &request_;
  }
  Queue(request, request != nullptr && parser_.is_head(), ConnectionHeader::kClose);
  request_timed_ = false;
  StopParsing();
}

void Connection::Queue(const Request* request, bool head, ConnectionHeader connection) {
  AppendResponse(response_, worker_.Date(), head, connection, out_);
  ++out_responses_;
  const Completion& completion = worker_.shared().completion;
  if (completion) {
    const uint64_t start = request_timed_ ? request_ns_ : read_ns_;
    const uint64_t now = uv_hrtime();
    completion(worker_.index(), request, response_, now > start ? now - start : 0);
  }
}

void Connection::StopParsing() {
  parsing_stopped_ = true;
  StopReading();
}

bool Connection::PipelineFull() const {
  const size_t max_pipelined = std::max<size_t>(1, worker_.shared().limits.max_pipelined);
  return out_responses_ + writing_responses_ >= max_pipelined ||
         out_.size() + writing_.size() >= kMaxPendingOutput;
}

void Connection::Settle() {
  Flush();
  if (closing_) {
    return;
  }
  if (parsing_stopped_ && !writing_in_flight_ && out_.empty()) {
    Close();
    return;
  }
  UpdateIdleness();
  ArmTimer();
}

void Connection::UpdateIdleness() {
  Idleness idleness = Idleness::kBusy;
  if (deferred_id_ == 0 && !parsing_stopped_ && !paused_) {
    if (!parser_.in_message()) {
      if (!writing_in_flight_ && out_.empty()) {
        idleness = any_request_ ? Idleness::kIdle : Idleness::kSilent;
      }
    } else if (!parser_.headers_complete()) {
      idleness = Idleness::kInHead;
    }
  }
  if (idleness == Idleness::kIdle && idleness_ != Idleness::kIdle) {
    idle_since_ms_ = uv_now(worker_.loop());
  }
  worker_.SetIdleness(this, idleness);
}

void Connection::ReleaseSource() {
  if (source_counted_) {
    source_counted_ = false;
    worker_.shared().sources->Release(source_);
  }
}

void Connection::Flush() {
  while (!closing_ && !writing_in_flight_ && !out_.empty()) {
    if (!WriteOut()) {
      return;  // closed, or the rest is on its way through uv_write
    }
    // All of it went at once: what OnWrite does after a completed write.
    if (!paused_ || parsing_stopped_ || PipelineFull()) {
      return;
    }
    Resume();  // may queue more answers, which the loop sends
  }
}

bool Connection::WriteOut() {
  // Straight into the socket first. Answers nearly always fit its buffer, and a write that
  // libuv completes through a write request re-arms the socket's epoll registration when its
  // queue drains: one epoll_ctl system call per answer, on every request (strace).
  uv_buf_t buf = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
  const int sent = uv_try_write(stream(), &buf, 1);
  if (sent < 0 && sent != UV_EAGAIN) {
    Close();  // EPIPE, ECONNRESET: the peer left
    return false;
  }
  const size_t done = sent > 0 ? static_cast<size_t>(sent) : 0;
  if (done == out_.size()) {
    out_.clear();
    out_responses_ = 0;
    return true;
  }
  // The rest waits for the socket: a write request, with reading held by PipelineFull as
  // before. writing_ still counts these responses, the partly sent one among them.
  writing_.swap(out_);  // out_ takes the emptied buffer of the last write
  writing_.erase(0, done);
  writing_responses_ = out_responses_;
  out_responses_ = 0;
  buf = uv_buf_init(writing_.data(), static_cast<unsigned>(writing_.size()));
  if (uv_write(&write_req_, stream(), &buf, 1, &Connection::OnWrite) < 0) {
    Close();
    return false;
  }
  writing_in_flight_ = true;
  return false;
}

void Connection::OnWrite(uv_write_t* req, int status) {
  Connection& self = *static_cast<Connection*>(req->data);
  self.writing_in_flight_ = false;
  self.writing_.clear();
  self.writing_responses_ = 0;
  if (status < 0) {
    self.Close();  // UV_ECANCELED when already closing; EPIPE, ECONNRESET: the peer left
    return;
  }
  if (self.paused_ && !self.parsing_stopped_ && !self.PipelineFull()) {
    self.Resume();
  }
  self.Settle();
}

void Connection::Resume() {
  paused_ = false;
  const size_t used = Consume(pending_in_.data(), pending_in_.size());
  if (parsing_stopped_ || used >= pending_in_.size()) {
    pending_in_.clear();
  } else {
    pending_in_.erase(0, used);
  }
  if (!paused_ && !parsing_stopped_) {
    StartReading();
  }
}

void Connection::StartReading() {
  if (reading_ || closing_) {
    return;
  }
  if (uv_read_start(stream(), &Connection::OnAlloc, &Connection::OnRead) < 0) {
    Close();
    return;
  }
  reading_ = true;
}

void Connection::StopReading() {
  if (reading_) {
    uv_read_stop(stream());
    reading_ = false;
  }
}

void Connection::ArmTimer() {
  if (deferred_id_ != 0 && deferred_deadline_ms_ != 0) {
    const uint64_t now = uv_now(worker_.loop());
    uv_timer_start(&timer_, &Connection::OnTimer,
                   deferred_deadline_ms_ > now ? deferred_deadline_ms_ - now : 1, 0);
    return;
  }
  const Limits& limits = worker_.shared().limits;
  uint64_t timeout_ms = limits.idle_timeout_ms;
  const bool awaiting_first = !any_request_ && !parsing_stopped_;
  if (!parsing_stopped_ && (parser_.in_message() || awaiting_first)) {
    // The read timeout runs from the request's first byte (from accept for the first
    // request), not from the last read.
    const uint64_t start = parser_.in_message() ? request_ms_ : accepted_ms_;
    const uint64_t deadline = start + limits.read_timeout_ms;
    const uint64_t now = uv_now(worker_.loop());
    timeout_ms = limits.read_timeout_ms == 0 ? 0 : (deadline > now ? deadline - now : 1);
  } else if (idleness_ == Idleness::kIdle && limits.idle_timeout_ms != 0) {
    // Keep-alive idleness runs from the last response, not from the last read: bytes that
    // start no request (empty lines) do not keep a connection open.
    const uint64_t deadline = idle_since_ms_ + limits.idle_timeout_ms;
    const uint64_t now = uv_now(worker_.loop());
    timeout_ms = deadline > now ? deadline - now : 1;
  }
  if (timeout_ms == 0) {
    uv_timer_stop(&timer_);  // a zero limit turns that timeout off
    return;
  }
  uv_timer_start(&timer_, &Connection::OnTimer, timeout_ms, 0);
}

void Connection::OnTimer(uv_timer_t* timer) {
  Connection& self = *static_cast<Connection*>(timer->data);
  if (self.deferred_id_ != 0 && self.deferred_deadline_ms_ != 0) {
    // The wait ran out: answer now; the answer still on its way finds no one.
    self.worker_.RemoveDeferred(self.deferred_id_);
    const Continuation next = std::move(self.on_deferred_timeout_);
    self.FinishDeferred(next ? next : [](const Request&, Response& response) {
      MakeErrorResponse(504, "the answer took too long", response);
    });
    return;
  }
  if (!self.worker_.TakeTimeoutTurn()) {
    // Enough closes for this loop iteration: try again on the next, after other I/O.
    uv_timer_start(&self.timer_, &Connection::OnTimer, 1, 0);
    return;
  }
  self.worker_.shared().timed_out.fetch_add(1, std::memory_order_relaxed);
  if (!self.parsing_stopped_ && self.parser_.in_message()) {
    self.Fail(408, {});
    self.Settle();
  } else {
    // Idle keep-alive, a connection that never sent a byte (nothing to answer), or a client
    // not reading its responses.
    self.Close();
  }
}

void Connection::Drain() {
  if (closing_ || deferred_id_ != 0 || (!parsing_stopped_ && parser_.in_message())) {
    return;  // a request under way: OnMessage / FinishDeferred see draining() and close after it
  }
  StopParsing();
  pending_in_.clear();
  Settle();
}

void Connection::Close() {
  if (closing_) {
    return;
  }
  closing_ = true;
  reading_ = false;
  worker_.SetIdleness(this, Idleness::kBusy);
  ReleaseSource();
  if (deferred_id_ != 0) {
    worker_.RemoveDeferred(deferred_id_);  // a late FinishDeferred finds no connection
    deferred_id_ = 0;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::OnClose);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &Connection::OnClose);
}

void Connection::OnClose(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  if (--self->open_handles_ == 0) {
    self->worker_.Remove(self);
    delete self;
  }
}

}  // namespace tokenwarden::server::http
