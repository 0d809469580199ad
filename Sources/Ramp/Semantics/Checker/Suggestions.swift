/// Names: unknown names in definitions, and did-you-mean suggestions.
extension Checker {
    // MARK: - names inside definitions

    /// Reports unknown names in a `def` body even when it is never called.
    /// `bound` is a short list (a function's parameters), searched in order.
    func checkNames(in e: Expr, bound: [String]) throws(CheckError) {
        if let first = unknownNames(in: e, bound: bound).first { throw .diagnostic(first) }
    }

    /// Every name in `e` that nothing defines, in source order: a statement
    /// reports them all, as a compiler does, not only the first it evaluates.
    func unknownNames(in e: Expr, bound: [String]) -> [Diagnostic] {
        var found: [Diagnostic] = []
        var stack: [(Expr, [String])] = [(e, bound)]
        while let (e, bound) = stack.popLast() {
            switch e.kind {
            case .number, .duration, .string, .path: break
            case .name(let n):
                if bound.contains(n) || globals[n] != nil || poisoned.contains(n) || definedAt[n] != nil
                    || letNames.contains(n) || outputNames.contains(n)
                {
                    break
                }
                if Builtins.lookup(n) != nil || Builtins.specials.contains(where: { $0.name == n })
                    || Builtins.statementNames.settings.contains(n) || Checker.otherKnownNames.contains(n)
                    || Compat.optimizerNames.contains(n)
                {
                    break
                }
                let hint = suggestion(for: n, among: Array(bound) + Array(globals.keys) + Builtins.allNames)
                found.append(.error(.unknownName(n, hint: hint), at: e.range))
            case .call(let callee, let args, _):
                stack.append((callee, bound))
                for a in args {
                    // `name value` inside a call may be a named argument: check only the value.
                    if a.label == nil, case .call(let c, let inner, true) = a.value.kind, case .name = c.kind,
                        inner.count == 1
                    {
                        stack.append((inner[0].value, bound))
                    } else {
                        stack.append((a.value, bound))
                    }
                }
            case .unary(_, let a), .not(let a): stack.append((a, bound))
            case .binary(_, let a, let b), .compare(_, let a, let b), .logical(_, let a, let b),
                .until(let a, let b), .bounded(let a, let b):
                stack.append((a, bound))
                stack.append((b, bound))
            case .list(let xs), .sequence(let xs): for x in xs { stack.append((x, bound)) }
            case .map(let es):
                for en in es {
                    stack.append((en.key, bound))
                    stack.append((en.value, bound))
                }
            case .lambda(let ps, let body): stack.append((body, bound + ps))
            }
        }
        return found.sorted { $0.range.start < $1.range.start }
    }

    /// Names `lookup` knows besides the builtins and specials: spellings Python configs use, and
    /// names that are refused for a reason of their own (`nan`).
    static let otherKnownNames: Set<String> = ["True", "False", "None", "nan", "NaN", "dict"]
}

/// ", did you mean 'x'?" when a close name exists.
func suggestion(for name: String, among candidates: [String]) -> String {
    // Names are short; a long one is compared by prefix alone, so a hostile
    // identifier costs no quadratic edit distance.
    guard name.utf8.count <= 64 else { return "" }
    let limit = max(1, name.count / 3)
    var best: (String, Int)?
    for c in Set(candidates) where c != name && abs(c.count - name.count) <= limit {
        let d = editDistance(name.lowercased(), c.lowercased())
        if d <= limit, d < name.count, d < (best?.1 ?? .max) || (d == best?.1 && c < best!.0) { best = (c, d) }
    }
    if best == nil, name.count >= 3 {
        // `peak` for `peak_value`: a name that starts another.
        let lower = name.lowercased()
        best = Set(candidates).filter { $0 != name && $0.lowercased().hasPrefix(lower) }
            .min { ($0.count, $0) < ($1.count, $1) }.map { ($0, 0) }
    }
    return best.map { "; did you mean '\($0.0)'?" } ?? ""
}

/// Edits (insert, delete, replace, swap two neighbours) from one name to another.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[a.count][b.count]
}
