/// The syntax tree without its byte ranges: what `ramp fmt` must keep
/// unchanged, whatever it does to the layout. Compared in place, without
/// building copies of the two trees.
extension Statement {
    func sameShape(as o: Statement) -> Bool {
        switch (kind, o.kind) {
        case (.setting(let n, let e), .setting(let m, let f)), (.binding(let n, let e), .binding(let m, let f)),
            (.output(let n, let e), .output(let m, let f)):
            return n == m && e.sameShape(as: f)
        case (.definition(let n, let ps, let e), .definition(let m, let qs, let f)):
            return n == m && ps.count == qs.count && e.sameShape(as: f)
                && zip(ps, qs).allSatisfy { p, q in
                    p.name == q.name && p.type?.name == q.type?.name && p.type?.choices == q.type?.choices
                        && p.type?.bounds == q.type?.bounds && Expr.sameShape(p.defaultValue, q.defaultValue)
                }
        case (.group(let k, let n, let s, let e), .group(let l, let m, let t, let f)):
            return k == l && n == m && s == t && e.sameShape(as: f)
        case (.expression(let e), .expression(let f)):
            return e.sameShape(as: f)
        default:
            return false
        }
    }
}

extension Expr {
    static func sameShape(_ a: Expr?, _ b: Expr?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return x.sameShape(as: y)
        default: return false
        }
    }

    func sameShape(as o: Expr) -> Bool {
        func all(_ xs: [Expr], _ ys: [Expr]) -> Bool {
            xs.count == ys.count && zip(xs, ys).allSatisfy { $0.sameShape(as: $1) }
        }
        switch (kind, o.kind) {
        case (.number(let x), .number(let y)): return x.bitPattern == y.bitPattern
        case (.duration(let x, let u), .duration(let y, let v)): return x.bitPattern == y.bitPattern && u == v
        case (.string(let x), .string(let y)), (.name(let x), .name(let y)): return x == y
        case (.path(let x), .path(let y)): return x == y
        case (.call(let c, let xs, let j), .call(let d, let ys, let k)):
            return j == k && c.sameShape(as: d) && xs.count == ys.count
                && zip(xs, ys).allSatisfy { $0.label == $1.label && $0.value.sameShape(as: $1.value) }
        case (.unary(let p, let x), .unary(let q, let y)): return p == q && x.sameShape(as: y)
        case (.binary(let p, let a, let b), .binary(let q, let c, let d)):
            return p == q && a.sameShape(as: c) && b.sameShape(as: d)
        case (.compare(let p, let a, let b), .compare(let q, let c, let d)):
            return p == q && a.sameShape(as: c) && b.sameShape(as: d)
        case (.logical(let p, let a, let b), .logical(let q, let c, let d)):
            return p == q && a.sameShape(as: c) && b.sameShape(as: d)
        case (.not(let x), .not(let y)): return x.sameShape(as: y)
        case (.list(let xs), .list(let ys)), (.sequence(let xs), .sequence(let ys)): return all(xs, ys)
        case (.map(let xs), .map(let ys)):
            return xs.count == ys.count
                && zip(xs, ys).allSatisfy { $0.key.sameShape(as: $1.key) && $0.value.sameShape(as: $1.value) }
        case (.lambda(let ps, let x), .lambda(let qs, let y)): return ps == qs && x.sameShape(as: y)
        case (.until(let a, let b), .until(let c, let d)), (.bounded(let a, let b), .bounded(let c, let d)):
            return a.sameShape(as: c) && b.sameShape(as: d)
        default: return false
        }
    }
}
