import Foundation

extension Builtins {
    /// `'10ba'`, `'2ep'`, `'0.5dur'` in steps, as Composer converts them for
    /// its schedulers: epochs through the dataloader's length, a fraction of
    /// the run rounded down.
    static func composerSteps(_ text: String, _ settings: Settings, at range: SourceRange) throws(CheckError) -> Int {
        let number = text.prefix { $0.isNumber || $0 == "." }
        let unit = text.dropFirst(number.count)
        guard let x = Double(number), x.isFinite, x >= 0 else {
            throw .error(.badValue, "'\(text)' is not a Composer time such as '10ba', '2ep' or '0.1dur'", at: range)
        }
        let steps: Double
        switch unit {
        case "ba": steps = x
        case "ep":
            guard let spe = settings.stepsPerEpoch else {
                throw .error(.settingMissing, "a Composer time in epochs ('\(text)') needs 'steps_per_epoch', the dataloader's length in batches", at: range)
            }
            steps = x * Double(spe)
        case "dur":
            guard let total = settings.total else {
                throw .error(.settingMissing, "a Composer time in 'dur' ('\(text)') needs 'total', the run's max_duration: add a line such as `total 90 epochs`", at: range)
            }
            steps = x * Double(total)
        case "sp", "tok":
            throw .error(.badValue, "a Composer time in samples or tokens ('\(text)') is not supported: give it in ba, ep or dur", at: range)
        default:
            throw .error(.badValue, "'\(text)' is not a Composer time: its unit is ba, ep or dur", at: range)
        }
        guard steps < 1e15 else { throw .error(.badDuration, "'\(text)' is too long to count in steps", at: range) }
        return Int(steps.rounded(.down))
    }
}
