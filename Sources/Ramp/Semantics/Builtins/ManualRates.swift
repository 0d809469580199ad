extension Builtins {
    /// At most this many keys in one of fairseq's manual dicts: they are merged in a loop over the keys.
    static let manualKeysLimit = 1000

    /// fairseq's `--epoch2lr` or `--update2lr` (`"{'1-2': 0.1, '3': 0.05, '22,34': 0.02}"`), read as
    /// ManualSchedule.parse_manuallr_args reads it: spaces dropped, a Python dict of quoted whole-number keys, with
    /// `a-b` an inclusive range and `a,b` a list, each a rate (a later key overriding an earlier one). Returned as
    /// the step function fairseq looks it up as, the rate of the largest key at or before n: the keys where it
    /// changes, in order, and the rate from each.
    static func manualRates(_ text: String, at range: SourceRange) throws(CheckError) -> [(key: Int, rate: Double)] {
        let s = Array(text.utf8.filter { $0 != UInt8(ascii: " ") })
        func bad(_ why: String) -> CheckError { .error(.notAManualDict(text, why), at: range) }
        var i = 0
        func take(_ c: Character) -> Bool {
            guard i < s.count, s[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard take("{") else { throw bad("it does not start with {") }
        // Intervals of keys, disjoint and in order, each with its rate: a later entry cuts those it overlaps.
        var set: [(lo: Int, hi: Int, rate: Double)] = []
        var entries = 0
        while !take("}") {
            guard i < s.count, s[i] == UInt8(ascii: "'") || s[i] == UInt8(ascii: "\"") else {
                throw bad("a key is not a quoted string")
            }
            let quote = s[i]
            i += 1
            let start = i
            while i < s.count, s[i] != quote { i += 1 }
            guard i < s.count else { throw bad("a quote is not closed") }
            let key = String(decoding: s[start..<i], as: UTF8.self)
            i += 1
            guard take(":") else { throw bad("':' expected after '\(key)'") }
            let valueStart = i
            while i < s.count, s[i] != UInt8(ascii: ","), s[i] != UInt8(ascii: "}") { i += 1 }
            var valueText = String(decoding: s[valueStart..<i], as: UTF8.self)
            if let q = valueText.first, q == "'" || q == "\"", valueText.count >= 2, valueText.last == q {
                valueText = String(valueText.dropFirst().dropLast())
            }
            guard let rate = Double(valueText), rate.isFinite else { throw bad("'\(valueText)' is not a rate") }
            guard take(",") || (i < s.count && s[i] == UInt8(ascii: "}")) else { throw bad("it does not end with }") }
            var spans: [(Int, Int)] = []
            func whole(_ part: Substring) throws(CheckError) -> Int {
                guard let n = Int(part), n >= 0, n < 1_000_000_000_000 else {
                    throw bad("'\(part)' in '\(key)' is not a whole number")
                }
                return n
            }
            if key.contains(",") {
                for part in key.split(separator: ",", omittingEmptySubsequences: false) {
                    let n = try whole(part)
                    spans.append((n, n))
                }
            } else if key.contains("-") {
                let parts = key.split(separator: "-", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw bad("'\(key)' is not a range a-b") }
                let (lo, hi) = (try whole(parts[0]), try whole(parts[1]))
                if lo <= hi { spans.append((lo, hi)) }
            } else {
                let n = try whole(Substring(key))
                spans.append((n, n))
            }
            for (lo, hi) in spans {
                entries += 1
                guard entries <= manualKeysLimit else { throw .error(.manualDictTooLong(manualKeysLimit), at: range) }
                var next: [(lo: Int, hi: Int, rate: Double)] = []
                for x in set {
                    if x.hi < lo || x.lo > hi {
                        next.append(x)
                        continue
                    }
                    if x.lo < lo { next.append((x.lo, lo - 1, x.rate)) }
                    if x.hi > hi { next.append((hi + 1, x.hi, x.rate)) }
                }
                next.append((lo, hi, rate))
                set = next.sorted { $0.lo < $1.lo }
            }
        }
        guard i == s.count else { throw bad("there is text after }") }
        var steps: [(key: Int, rate: Double)] = []
        for x in set where steps.last?.rate != x.rate { steps.append((x.lo, x.rate)) }
        return steps
    }

    /// fairseq's ManualSchedule as its trainer drives it, in constant pieces over updates: the rate of update n is
    /// update2lr's (its largest key at or before n) once update2lr has a key that low; before that, epoch2lr's
    /// at the epoch n falls in (n // steps_per_epoch + 1); before either, update2lr['1'] when that is a key (the
    /// constructor's choice), else lr[0].
    static func manualPieces(_ a: BoundArguments) throws(CheckError) -> Value {
        let updates = try manualRates(a.str("update2lr"), at: a.range("update2lr"))
        let epochs = try manualRates(a.str("epoch2lr"), at: a.range("epoch2lr"))
        guard let first = a.nums("lr").first else { throw .error(.manualNeedsLr, at: a.range("lr")) }
        let start = updates.first.map { $0.key == 1 ? $0.rate : first } ?? first
        let end = updates.first?.key ?? Int.max
        var pieces: [(at: Int, rate: Double)] = end > 0 ? [(0, start)] : []
        if end > 0, !epochs.isEmpty {
            var spe = 0
            if epochs.contains(where: { $0.key > 1 }) {
                guard let n = a.settings.stepsPerEpoch else {
                    throw .error(.manualEpochsNeedStepsPerEpoch, at: a.range("epoch2lr"))
                }
                spe = n
            }
            for e in epochs {
                let (at, overflow) = (max(e.key, 1) - 1).multipliedReportingOverflow(by: spe)
                if !overflow, at < end { pieces.append((at, e.rate)) }
            }
        }
        pieces += updates.map { ($0.key, $0.rate) }
        // In order of their steps; at one step the later piece is the one that holds.
        var boundaries: [Int] = []
        var values: [Double] = []
        for p in pieces {
            if values.isEmpty {
                values = [p.rate]
            } else if p.at == (boundaries.last ?? 0) {
                values[values.count - 1] = p.rate
                if values.count >= 2, values[values.count - 2] == p.rate {
                    values.removeLast()
                    boundaries.removeLast()
                }
            } else if values.last != p.rate {
                boundaries.append(p.at)
                values.append(p.rate)
            }
        }
        return .schedule(.primitive(Piecewise(boundaries: boundaries, values: values), [:]))
    }
}
