// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Ramp",
    products: [
        .library(name: "Ramp", targets: ["Ramp"]),
        .executable(name: "ramp", targets: ["ramp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .target(
            name: "Ramp",
            dependencies: [.product(name: "Yams", package: "Yams"), .product(name: "TOMLKit", package: "TOMLKit")],
            exclude: ["Trainer/Data/README.md", "Emit/Python/messages.py", "IR/ramp-ir.schema.json"],
            resources: [
                .copy("Trainer/Data/breast_cancer.csv"),
                .copy("Emit/Python/nodes.py"), .copy("Emit/Python/shapes.py"), .copy("Emit/Python/sequence.py"),
                .copy("Emit/Python/runtime.py"), .copy("Emit/Python/state.py"), .copy("Emit/Python/adapters.py"),
                .copy("Emit/Python/checks.py"),
                .copy("Emit/Arrays/jax_runtime.py"), .copy("Emit/Arrays/jax_state.py"),
                .copy("Emit/Arrays/keras_runtime.py"),
            ]
                // The compat prelude: one Ramp file per library, as Prelude.libraries lists them.
                + [
                    "torch", "transformers", "timm", "optax", "keras", "deepspeed", "composer", "fvcore", "mmengine",
                    "megatron", "torchtitan", "nemo", "paddle", "fairseq",
                ]
                .map { .copy("Compat/Prelude/\($0).ramp") },
            // TOMLKit extends String, Double, Array and Dictionary with members (an unlabelled subscript among
            // them) that would otherwise reach every file of the module: only the file that imports it sees them.
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "CMallocCounter"),
        .executableTarget(
            name: "ramp",
            dependencies: [
                "Ramp",
                "CEditLine",
                "CMallocCounter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "RampTests",
            dependencies: ["Ramp"],
            exclude: ["Fixtures"]
        ),
    ]
)
