package io.chorus.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The HTTP requests of one connection, between Vert.x's HTTP decoder and Vert.x's HTTP connection: refuses those
 * {@link RequestPolicy} refuses, and times the connection with its {@link HttpConnectionGuard}. It counts the
 * responses Vert.x owes (requests passed on, against responses written to the socket), because the clock must stop
 * while Vert.x answers: a {@code /metrics} render or a client that reads slowly may take longer than the timeout, and
 * closing then would cut the answer mid-body. So the clock runs only while nothing is owed: from the connection's
 * opening, from the moment the last owed response was written, or while a request's body still arrives after Vert.x
 * answered it early (a GET with a body). A refusal that comes while a response is owed waits for it, reading nothing
 * more, so that answers leave in the order of their requests.
 */
class HttpRequests extends ChannelDuplexHandler implements WaitingConnection {

  private final HttpConnectionGuard guard;
  private final Refusals refusals;
  private ChannelHandlerContext ctx;
  /** Requests passed to Vert.x whose responses are not yet written to the socket. */
  private int owed;
  /** A request passed to Vert.x has begun and not ended: its body still arrives. */
  private boolean arriving;
  private boolean sawRequest;
  /** Refused: what the client still sends is dropped. */
  private boolean discarding;
  /** A refusal waiting for the responses owed before it; null when none waits. */
  private Refusal held;

  private record Refusal(HttpResponseStatus status, String reason, CharSequence header, String value) {
  }

  HttpRequests(HttpConnectionGuard guard, Refusals refusals) {
    this.guard = guard;
    this.refusals = refusals;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Replaced by a WebSocket, or the connection closed: either way it no longer waits for a request. */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    guard.forget(this);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (discarding) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      if (RequestPolicy.check(request) instanceof RequestPolicy.Refused refused) {
        ReferenceCountUtil.release(msg);
        refusals.refused(refused.reason(), ctx.channel());
        refusedRequest(request);
        refuse(refused.status(), refused.text(), refused.header(), refused.value());
        return;
      }
      if (takesOver(request)) {
        ReferenceCountUtil.release(msg);
        takeOver(ctx, request);
        return;
      }
      sawRequest = true;
      arriving = true;
      if (owed++ == 0) {
        guard.forget(this);
      }
    }
    if (msg instanceof LastHttpContent) {
      arriving = false;
      if (owed == 0) {
        // Answered before its body ended: the next request has the whole timeout from now.
        guard.restart(this);
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** Counts a response as given once its last part is in the socket, not merely queued: a close would drop it. */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse response
        && response.status().codeClass() == HttpStatusClass.INFORMATIONAL)) {
      ChannelPromise written = promise.unvoid();
      written.addListener(done -> {
        if (done.isSuccess()) {
          responseWritten();
        }
      });
      ctx.write(msg, written);
    } else {
      ctx.write(msg, promise);
    }
  }

  /** Whether this request is for the subclass alone (a WebSocket upgrade); Vert.x never sees it. */
  boolean takesOver(HttpRequest request) {
    return false;
  }

  /** Handles a request {@link #takesOver} claimed. */
  void takeOver(ChannelHandlerContext ctx, HttpRequest request) {
    throw new IllegalStateException("No request is taken over here");
  }

  /** A request {@link RequestPolicy} refused, already counted and about to be answered. */
  void refusedRequest(HttpRequest request) {
  }

  /** Whether Vert.x owes a response on this connection: a request taken over now would jump the queue. */
  boolean isAnswering() {
    return owed > 0;
  }

  /**
   * Answers and ends the connection (see {@link ClosingAnswer}); what the client still sends is dropped. Waits, reading
   * nothing more, while Vert.x owes earlier responses.
   */
  void refuse(HttpResponseStatus status, String reason, CharSequence header, String value) {
    discarding = true;
    if (owed > 0) {
      held = new Refusal(status, reason, header, value);
      ctx.channel().config().setAutoRead(false);
    } else {
      answerAndLinger(status, reason, header, value);
    }
  }

  /**
   * The connection's time is up; the clock runs only while nothing is owed. A request still arriving gets 408 when
   * it is the connection's first, else Vert.x has answered it and the connection just ends. An idle keep-alive
   * connection is closed without an answer, as clients expect of a server's keep-alive timeout (the head of a next
   * request that is still arriving cannot be told apart from idleness here, and is closed the same way), as is a
   * refused one that still lingers.
   */
  @Override
  public void expire() {
    if (discarding) {
      ctx.close();
    } else if (!sawRequest) {
      guard.timedOut(ctx.channel());
      refuse(HttpResponseStatus.REQUEST_TIMEOUT, "No complete request within the time limit", null, null);
    } else if (arriving) {
      guard.timedOut(ctx.channel());
      discarding = true;
      ClosingAnswer.linger(ctx);
      guard.restart(this);
    } else {
      discarding = true;
      ctx.close();
    }
  }

  /** Closed without an answer, to make room for a newer connection; only ever one that Vert.x owes nothing. */
  @Override
  public void shed() {
    discarding = true;
    ctx.close();
  }

  @Override
  public boolean isOpen() {
    return ctx.channel().isOpen();
  }

  /** Refused or timed out: it answers nothing more. */
  boolean isDiscarding() {
    return discarding;
  }

  private void responseWritten() {
    if (--owed > 0) {
      return;
    }
    if (held != null) {
      Refusal refusal = held;
      held = null;
      answerAndLinger(refusal.status(), refusal.reason(), refusal.header(), refusal.value());
    } else {
      guard.restart(this);
    }
  }

  /** The lingering close is sheddable and bounded by the timeout as well as by its own bound. */
  private void answerAndLinger(HttpResponseStatus status, String reason, CharSequence header, String value) {
    ClosingAnswer.refuse(ctx, status, reason, header, value);
    guard.restart(this);
  }
}
