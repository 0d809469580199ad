import Foundation
import Testing

@testable import Ramp

/// The shared loss curves (Luo et al. 2025), their programs, and the paper's published parameters.
enum LossCurves {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../LossCurves").standardized.path
    static let train = ["cosine_24000", "constant_24000", "wsdcon_9"]
    static let test = [
        "constant_72000", "cosine_72000", "wsd_20000_24000", "wsdld_20000_24000", "wsdcon_3", "wsdcon_18",
    ]
    /// src/config.py of the paper's repository.
    static let published: [String: [Double]] = [
        "25": [3.04045406, 0.52468604, 0.50786857, 363.78751622, 2.06560812, 0.58279013, 0.64142257],
        "100": [2.6514477, 0.60115152, 0.45295811, 437.9464276, 2.13245612, 0.59785199, 0.65523644],
    ]

    static func program(_ name: String) throws -> CompiledProgram {
        try ProgramText.load(path: "\(directory)/programs/\(name).ramp").compile()
    }

    static func table(_ name: String) throws -> RateTable {
        let p = try program(name)
        return try RateTable(p, steps: p.duration!)
    }

    static func log(_ name: String, size: String) throws -> LossLog {
        try LossLog.load(path: "\(directory)/csv_\(size)/\(name).csv")
    }

    static func metrics(_ law: LossLaw, size: String, names: [String]) throws -> LawMetrics {
        LawMetrics.mean(
            try names.map { name in
                let table = try table(name)
                let log = try log(name, size: size).truncated(to: table.count)
                return LawMetrics(predicted: law.predict(table, at: log.steps), actual: log.losses)
            })
    }
}

func rounded(_ x: Double, _ digits: Int) -> Double {
    let f = Foundation.pow(10, Double(digits))
    return (x * f).rounded() / f
}

@Suite struct LawTests {
    @Test func programsGiveTheDataSetsRates() throws {
        for name in LossCurves.train + LossCurves.test {
            let table = try LossCurves.table(name)
            for i in 0..<2159 { #expect(table.rates[i] == Double(i) * (3e-4 / 2159)) }
            #expect(table.rates[2159] == 3e-4)
            for size in ["25", "100"] {
                let text = try String(
                    contentsOfFile: "\(LossCurves.directory)/csv_\(size)/\(name).csv", encoding: .utf8)
                for line in text.split(separator: "\n").dropFirst() {
                    let cells = line.split(separator: ",")
                    let step = Int(cells[0])!
                    let lr = Double(cells[1])!
                    #expect(abs(table.rates[step] - lr) <= 1e-12 * lr, "\(name) step \(step)")
                }
            }
        }
    }

    /// The published parameters give the published table, to its printed digits.
    @Test(arguments: [
        ("25", [0.9988, 0.00376, 0.00465, 0.00110, 0.00409]),
        ("100", [0.9983, 0.00435, 0.00592, 0.00142, 0.00583]),
    ])
    func publishedParametersReproduceThePapersTable(size: String, expected: [Double]) throws {
        let law = LossLaw(.multipower, LossCurves.published[size]!)
        let m = try LossCurves.metrics(law, size: size, names: LossCurves.test)
        #expect(rounded(m.r2, 4) == expected[0])
        #expect(rounded(m.mae, 5) == expected[1])
        #expect(rounded(m.rmse, 5) == expected[2])
        #expect(rounded(m.predE, 5) == expected[3])
        #expect(rounded(m.worstE, 5) == expected[4])
    }
}
