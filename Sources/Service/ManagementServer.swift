import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A small HTTP/1.1 listener for the people and machines that look after the box: `/metrics`, `/healthz`,
/// `/readyz`, and `/cameras` (JSON, with a recent picture of each) for a desk run as its own process. Loopback by default; nothing on it changes state.
public final class ManagementServer: Service, @unchecked Sendable {
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var contentType: String
        public var body: [UInt8]
        public init(_ status: HTTPResponseStatus, _ body: String, contentType: String = "text/plain; charset=utf-8") {
            self.init(status, bytes: Array(body.utf8), contentType: contentType)
        }
        public init(_ status: HTTPResponseStatus, bytes: [UInt8], contentType: String) {
            self.status = status
            self.body = bytes
            self.contentType = contentType
        }
    }

    public let host: String
    public let port: Int
    private let route: @Sendable (String) -> Response
    private let logger: Logger
    private let lock = NSLock()
    private var bound: Int?

    /// - Parameter route: answers a GET for a path; called on the event loop, so it must be quick.
    public init(host: String, port: Int, logger: Logger, route: @escaping @Sendable (String) -> Response) {
        self.host = host
        self.port = port
        self.logger = logger
        self.route = route
    }

    /// The port actually listened on (port 0 asks the kernel for one), once `run` has bound it.
    public var listeningPort: Int? { lock.withLock { bound } }

    /// A listener that cannot bind (the port is taken) is logged and left out: plates matter more than metrics.
    public func run() async throws {
        do {
            try await serve()
        } catch {
            logger.error("management listener not started; the box runs without /metrics and /readyz", metadata: [
                "listen": "\(host):\(port)", "error": "\(error)"])
            try? await gracefulShutdown()
        }
    }

    private func serve() async throws {
        let route = self.route
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(route: route))
                }
            }
            .bind(host: host, port: port).get()
        lock.withLock { bound = channel.localAddress?.port }
        logger.info("management listener up", metadata: ["listen": "\(host):\(channel.localAddress?.port ?? port)"])
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let route: @Sendable (String) -> Response
        var path = "/"
        var method = HTTPMethod.GET

        init(route: @escaping @Sendable (String) -> Response) { self.route = route }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "/")
                method = head.method
            case .body:
                break
            case .end:
                let response = method == .GET ? route(path) : Response(.methodNotAllowed, "only GET\n")
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: response.contentType)
                headers.add(name: "Content-Length", value: "\(response.body.count)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
