import Foundation

extension Builtins {
    /// `'10ba'`, `'2ep'`, `'0.5dur'` in steps, as Composer converts them for
    /// its schedulers: epochs through the dataloader's length, a fraction of
    /// the run rounded down.
    static func composerSteps(_ text: String, _ settings: Settings, at range: SourceRange) throws(CheckError) -> Int {
        let number = text.prefix { $0.isNumber || $0 == "." }
        let unit = text.dropFirst(number.count)
        guard let x = Double(number), x.isFinite, x >= 0 else {
            throw .error(.notAComposerTime(text), at: range)
        }
        let steps: Double
        switch unit {
        case "ba": steps = x
        case "ep":
            guard let spe = settings.stepsPerEpoch else {
                throw .error(.composerEpochsNeedStepsPerEpoch(text), at: range)
            }
            steps = x * Double(spe)
        case "dur":
            guard let total = settings.total else {
                throw .error(.composerDurNeedsTotal(text), at: range)
            }
            steps = x * Double(total)
        case "sp", "tok":
            throw .error(.composerTimeInSamples(text), at: range)
        default:
            throw .error(.composerTimeUnit(text), at: range)
        }
        guard steps < 1e15 else { throw .error(.composerTimeTooLong(text), at: range) }
        return Int(steps.rounded(.down))
    }
}
