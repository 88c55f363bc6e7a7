package io.chorus.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;

/**
 * Netty's WebSocket decoder, which also tells its connection's {@link IncompleteInput} how much direct memory it
 * holds for a frame that has not arrived whole. The decoder keeps a partial frame in its cumulation buffer until
 * the rest arrives: a header that promises 65,535 bytes followed by all but a few costs 64 KiB or more of direct
 * memory per connection, for as long as the client waits. The buffer's capacity, not its unread bytes, is what the
 * node pays, so that is what counts; it is read once per read loop, before the decoder passes the end of the read on.
 */
final class FrameDecoder extends WebSocket13FrameDecoder {

  private final IncompleteInput input;

  private FrameDecoder(WebSocketDecoderConfig config, IncompleteInput input) {
    super(config);
    this.input = input;
  }

  /**
   * The handshaker that answers the upgrade, selecting {@code subprotocol} (null for none), and puts this decoder in
   * place of the HTTP decoder.
   */
  static WebSocketServerHandshaker13 handshaker(String location, String subprotocol, WebSocketDecoderConfig config,
      IncompleteInput input) {
    return new WebSocketServerHandshaker13(location, subprotocol, config) {
      @Override
      protected WebSocketFrameDecoder newWebsocketDecoder() {
        return new FrameDecoder(config, input);
      }
    };
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    input.partialFrame(internalBuffer().capacity());
    super.channelReadComplete(ctx);
  }
}
