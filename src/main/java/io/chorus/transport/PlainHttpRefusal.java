package io.chorus.transport;

import io.chorus.metrics.HttpRejection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServer;

import java.nio.charset.StandardCharsets;

/**
 * Plain HTTP sent to a TLS port gets 400 and a line saying to use https:// or wss://, as nginx answers, instead of
 * the TLS layer's bare close, which curl reports as "Empty reply from server" and a browser as a broken page. The
 * first byte tells the two apart: a TLS record starts with its content type (22 for the ClientHello, RFC 8446 5.1),
 * an HTTP request with the first letter of its method. Sits first on each connection of the port, ahead of the TLS
 * handler, and leaves at the first byte of a TLS client. Counted as {@code plain_http} rejections.
 */
public final class PlainHttpRefusal extends ChannelInboundHandlerAdapter {

  private static final String NAME = "chorus-plain-http-refusal";
  private static final byte[] ANSWER = ("HTTP/1.1 400 Bad Request\r\n"
      + "Content-Type: text/plain; charset=utf-8\r\n"
      + "Content-Length: 50\r\n"
      + "Connection: close\r\n"
      + "\r\n"
      + "This port speaks TLS: use https:// or wss:// here\n").getBytes(StandardCharsets.US_ASCII);

  private final Refusals refusals;
  private boolean refused;

  private PlainHttpRefusal(Refusals refusals) {
    this.refusals = refusals;
  }

  /**
   * Puts the refusal on every connection the server's port accepts from now on, once per port: its listening socket
   * hands each new connection to it before Vert.x adds the TLS handler.
   */
  public static void install(HttpServer server, Refusals refusals) {
    ChannelPipeline listening = Internals.listeningChannel(server).pipeline();
    synchronized (listening) {
      if (listening.get(NAME) == null) {
        listening.addFirst(NAME, new Acceptor(refusals));
      }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ByteBuf bytes = (ByteBuf) msg;
    if (bytes.isReadable() && isMethodLetter(bytes.getByte(bytes.readerIndex()))) {
      bytes.release();
      refused = true;
      refusals.refused(HttpRejection.PLAIN_HTTP, ctx.channel());
      ctx.writeAndFlush(Unpooled.wrappedBuffer(ANSWER)).addListener(written -> {
        if (written.isSuccess()) {
          ClosingAnswer.linger(ctx);
        } else {
          ctx.close();
        }
      });
      return;
    }
    ctx.pipeline().remove(this);
    ctx.fireChannelRead(msg);
  }

  /** Methods are tokens of upper-case letters in practice (RFC 9110 9.1); no TLS record type is a letter. */
  private static boolean isMethodLetter(byte first) {
    return first >= 'A' && first <= 'Z';
  }

  /** On the listening socket: gives each accepted connection its refusal, ahead of what Vert.x adds. */
  @ChannelHandler.Sharable
  private static final class Acceptor extends ChannelInboundHandlerAdapter {

    private final Refusals refusals;

    Acceptor(Refusals refusals) {
      this.refusals = refusals;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object accepted) {
      ((Channel) accepted).pipeline().addFirst(NAME, new PlainHttpRefusal(refusals));
      ctx.fireChannelRead(accepted);
    }
  }
}
