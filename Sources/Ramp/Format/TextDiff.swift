/// A unified diff of two texts by lines (`ramp fmt --diff`), found with
/// Myers' O(ND) algorithm, so a large file with few changes is quick.
public enum TextDiff {
    enum Edit: Equatable {
        case same(Int, Int)
        case delete(Int)
        case insert(Int)
    }

    /// `--- a` / `+++ b` and hunks with `context` lines around each change;
    /// empty when the texts are equal.
    public static func unified(_ old: String, _ new: String, oldName: String, newName: String, context: Int = 3)
        -> String
    {
        let a = lines(old)
        let b = lines(new)
        let edits = script(a, b)
        guard edits.contains(where: { if case .same = $0 { return false } else { return true } }) else { return "" }
        var out = "--- \(oldName)\n+++ \(newName)\n"
        // Group the edits into hunks: changes closer than 2 * context share one.
        var i = 0
        while i < edits.count {
            guard
                let firstChange = edits[i...].firstIndex(where: {
                    if case .same = $0 { return false } else { return true }
                })
            else { break }
            let start = max(i, firstChange - context)
            var end = firstChange
            var lastChange = firstChange
            while end < edits.count {
                if case .same = edits[end] {
                    if end - lastChange > 2 * context { break }
                } else {
                    lastChange = end
                }
                end += 1
            }
            let stop = min(edits.count, lastChange + context + 1)
            var oldStart = 0
            var newStart = 0
            var oldCount = 0
            var newCount = 0
            var body = ""
            for (k, e) in edits[start..<stop].enumerated() {
                switch e {
                case .same(let x, let y):
                    if k == 0 {
                        oldStart = x
                        newStart = y
                    }
                    oldCount += 1
                    newCount += 1
                    body += " " + a[x] + "\n"
                case .delete(let x):
                    if k == 0 {
                        oldStart = x
                        newStart = position(in: edits, before: start, old: false)
                    }
                    oldCount += 1
                    body += "-" + a[x] + "\n"
                case .insert(let y):
                    if k == 0 {
                        newStart = y
                        oldStart = position(in: edits, before: start, old: true)
                    }
                    newCount += 1
                    body += "+" + b[y] + "\n"
                }
            }
            func range(_ s: Int, _ n: Int) -> String { n == 0 ? "\(s),0" : n == 1 ? "\(s + 1)" : "\(s + 1),\(n)" }
            out += "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n" + body
            i = stop
        }
        return out
    }

    /// The line index, in the old or new text, that the edit at `index` starts from.
    static func position(in edits: [Edit], before index: Int, old: Bool) -> Int {
        var n = 0
        for e in edits[..<index] {
            switch e {
            case .same: n += 1
            case .delete: if old { n += 1 }
            case .insert: if !old { n += 1 }
            }
        }
        return n
    }

    static func lines(_ s: String) -> [String] {
        var ls = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if ls.last == "" { ls.removeLast() }
        return ls
    }

    /// The shortest edit script from `a` to `b`.
    static func script(_ a: [String], _ b: [String]) -> [Edit] {
        let n = a.count
        let m = b.count
        let max = n + m
        var v = [Int](repeating: 0, count: 2 * max + 2)
        var trace: [[Int]] = []
        let offset = max + 1
        search: for d in 0...max {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x =
                    (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
                    ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n, y < m, a[x] == b[y] {
                    x += 1
                    y += 1
                }
                v[offset + k] = x
                if x >= n, y >= m { break search }
            }
        }
        // Walk the trace back from the end.
        var edits: [Edit] = []
        var x = n
        var y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let v = trace[d]
            let k = x - y
            let previousK = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? k + 1 : k - 1
            let previousX = v[offset + previousK]
            let previousY = previousX - previousK
            while x > previousX, y > previousY {
                x -= 1
                y -= 1
                edits.append(.same(x, y))
            }
            if d > 0 {
                if x == previousX {
                    y -= 1
                    edits.append(.insert(y))
                } else {
                    x -= 1
                    edits.append(.delete(x))
                }
            }
        }
        return edits.reversed()
    }
}
