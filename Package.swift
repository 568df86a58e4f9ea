// swift-tools-version:6.1
import PackageDescription

// The folder tree is the pipeline: Ingest → Vision → OCR → Tracking → Delivery, wired by Pipeline and
// driven by the `platewatch` CLI. C libraries enter only through the two shim targets.
let package = Package(
    name: "PlateWatch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "platewatch", targets: ["platewatch"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libswscale libavutil",
            providers: [.apt(["libavcodec-dev", "libavformat-dev", "libswscale-dev", "libavutil-dev"])]
        ),
        .systemLibrary(
            name: "CTesseract",
            pkgConfig: "tesseract lept",
            providers: [.apt(["libtesseract-dev", "libleptonica-dev"])]
        ),
        .systemLibrary(
            name: "CNATS",
            pkgConfig: "libnats",
            providers: [.apt(["libnats-dev"])]
        ),
        .target(
            name: "PlateWatchCore",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Ingest",
            dependencies: [
                "CFFmpeg", "PlateWatchCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(name: "Vision", dependencies: ["PlateWatchCore"]),
        .target(
            name: "OCR",
            dependencies: ["CTesseract", "PlateWatchCore", "Vision"]
        ),
        .target(name: "Tracking", dependencies: ["PlateWatchCore"]),
        .target(
            name: "Delivery",
            dependencies: [
                "CNATS", "PlateWatchCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "Pipeline",
            dependencies: [
                "PlateWatchCore", "Ingest", "Vision", "OCR", "Tracking", "Delivery",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Running as a service: lifecycle and signals, the management listener, metrics, logs, `doctor`.
        .target(
            name: "Service",
            dependencies: [
                "PlateWatchCore", "Pipeline", "Ingest", "OCR", "Delivery", "Desk",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The border guard's desk: a Hummingbird web app over its own store, fed from the outbox.
        .target(
            name: "Desk",
            dependencies: [
                "PlateWatchCore", "Delivery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            resources: [.copy("Assets")]
        ),
        // Footage + ground truth → measurements and reports; sits on top of the pipeline.
        .target(
            name: "Bench",
            dependencies: [
                "PlateWatchCore", "Pipeline", "Ingest", "Vision", "OCR",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "platewatch",
            dependencies: [
                "PlateWatchCore", "Pipeline", "Ingest", "Vision", "OCR", "Delivery", "Bench", "Service", "Desk",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Footage and ground-truth loading shared by the test targets; not part of the product.
        .target(name: "TestSupport", dependencies: ["Bench", "Ingest", "PlateWatchCore"], path: "Tests/TestSupport"),
        .testTarget(name: "PlateWatchCoreTests", dependencies: ["PlateWatchCore"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "PlateWatchCore", "TestSupport"]),
        .testTarget(name: "VisionTests", dependencies: ["Vision", "PlateWatchCore", "TestSupport"]),
        .testTarget(name: "OCRTests", dependencies: ["OCR", "Vision", "Ingest", "PlateWatchCore", "TestSupport"]),
        .testTarget(name: "TrackingTests", dependencies: ["Tracking", "PlateWatchCore"]),
        .testTarget(name: "DeliveryTests", dependencies: ["Delivery", "PlateWatchCore", "TestSupport"]),
        .testTarget(
            name: "DeskTests",
            dependencies: ["Desk", "Delivery", "PlateWatchCore", "TestSupport",
                           .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "PlateWatchCore", "TestSupport"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Pipeline", "PlateWatchCore", "Delivery", "Bench", "TestSupport"]
        ),
    ]
)
