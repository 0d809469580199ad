/// The syntax tree without its byte ranges: what `ramp fmt` must keep
/// unchanged, whatever it does to the layout.
extension Statement {
    var withoutRanges: Statement {
        let zero = SourceRange(0, 0)
        let kind: Kind
        switch self.kind {
        case .setting(let n, let e): kind = .setting(n, e.withoutRanges)
        case .binding(let n, let e): kind = .binding(n, e.withoutRanges)
        case .definition(let n, let ps, let e):
            kind = .definition(n, ps.map { p in
                var t = p.type
                t?.range = zero
                return Parameter(name: p.name, range: zero, defaultValue: p.defaultValue?.withoutRanges, type: t)
            }, e.withoutRanges)
        case .output(let n, let e): kind = .output(n, e.withoutRanges)
        case .group(let k, let o, let scale, let e): kind = .group(k, o, scale: scale, e.withoutRanges)
        case .expression(let e): kind = .expression(e.withoutRanges)
        }
        return Statement(kind: kind, range: zero, nameRange: zero)
    }
}

extension Expr {
    var withoutRanges: Expr {
        let kind: Kind
        switch self.kind {
        case .number, .duration, .string, .name, .path: kind = self.kind
        case .call(let c, let args, let j):
            kind = .call(callee: c.withoutRanges, args: args.map { CallArgument(label: $0.label, labelRange: nil, value: $0.value.withoutRanges) }, juxtaposed: j)
        case .unary(let op, let e): kind = .unary(op, e.withoutRanges)
        case .binary(let op, let l, let r): kind = .binary(op, l.withoutRanges, r.withoutRanges)
        case .compare(let op, let l, let r): kind = .compare(op, l.withoutRanges, r.withoutRanges)
        case .logical(let op, let l, let r): kind = .logical(op, l.withoutRanges, r.withoutRanges)
        case .not(let e): kind = .not(e.withoutRanges)
        case .list(let xs): kind = .list(xs.map(\.withoutRanges))
        case .map(let es): kind = .map(es.map { MapEntry(key: $0.key.withoutRanges, value: $0.value.withoutRanges) })
        case .lambda(let ps, let body): kind = .lambda(params: ps, body: body.withoutRanges)
        case .sequence(let xs): kind = .sequence(xs.map(\.withoutRanges))
        case .until(let b, let c): kind = .until(b.withoutRanges, c.withoutRanges)
        case .bounded(let b, let d): kind = .bounded(b.withoutRanges, d.withoutRanges)
        }
        return Expr(kind, SourceRange(0, 0))
    }
}
