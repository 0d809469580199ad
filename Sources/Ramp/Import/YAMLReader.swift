import Foundation
import Yams

/// YAML as YAML: libyaml through Yams reads the file (flow maps, anchors and
/// aliases, merge keys, YAML 1.1 scalars such as `yes` and `.nan`, CRLF), and
/// this turns its nodes into values, keeping where each key path is written so
/// that a refusal points at its place. Hostile files meet explicit limits.
struct YAMLReader {
    /// Nesting deeper than this is refused before libyaml and Yams recurse into it.
    static let maxDepth = 200
    /// Values after aliases are expanded: a few anchors can otherwise stand for billions.
    static let maxValues = 100_000

    struct Failure: Error {
        var message: DiagnosticMessage
        var range: SourceRange
    }

    let file: SourceFile
    /// Where each key path (`schedulers[0].cosine_decay.t_max`) is written.
    var places: [String: SourceRange] = [:]
    private var count = 0

    init(file: SourceFile) { self.file = file }

    /// The document as a value; an empty file is an empty map.
    mutating func read() throws(Failure) -> JSONValue {
        try checkDepth()
        let root: Yams.Node?
        do { root = try Yams.compose(yaml: file.text) } catch let error as YamlError {
            throw failure(error)
        } catch {
            throw Failure(message: .yamlError("\(error)"), range: SourceRange(0, 0))
        }
        guard let root else { return .object([]) }
        return try value(root, path: "", depth: 0)
    }

    // MARK: - limits

    /// Nesting as the lines show it (indentation levels, `- ` and `key: ` opening a
    /// level on the same line, and open flow brackets), refused past `maxDepth`
    /// with the line where it is reached: libyaml stops at 1000 levels, but
    /// Yams' composer recurses once for each, and a config needs a handful.
    func checkDepth() throws(Failure) {
        var indents: [Int] = []
        var flow = 0
        var offset = 0
        for line in file.text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            defer { offset += line.count + 1 }
            let bytes = Array(line)
            var i = 0
            while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 }
            guard i < bytes.count, bytes[i] != UInt8(ascii: "#"), bytes[i] != UInt8(ascii: "\r") else { continue }
            if flow == 0 {
                while let top = indents.last, top > i { indents.removeLast() }
                if indents.last != i { indents.append(i) }
            }
            var level = indents.count + flow
            var quote: UInt8?
            for j in i..<bytes.count {
                let c = bytes[j]
                if let q = quote {
                    if c == q { quote = nil }
                    continue
                }
                switch c {
                case UInt8(ascii: "'"), UInt8(ascii: "\""): quote = c
                case UInt8(ascii: "#") where j > 0 && bytes[j - 1] == UInt8(ascii: " "): break
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    flow += 1
                    level += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"): flow = max(0, flow - 1)
                case UInt8(ascii: "-") where flow == 0 && j + 1 < bytes.count && bytes[j + 1] == UInt8(ascii: " "):
                    level += 1
                default: break
                }
                if level > YAMLReader.maxDepth {
                    throw Failure(
                        message: .nestsTooDeep(YAMLReader.maxDepth), range: SourceRange(offset + j, offset + j + 1))
                }
                if c == UInt8(ascii: "#"), j > 0, bytes[j - 1] == UInt8(ascii: " ") { break }
            }
        }
    }

    // MARK: - nodes to values

    private mutating func value(_ node: Yams.Node, path: String, depth: Int) throws(Failure) -> JSONValue {
        count += 1
        guard count <= YAMLReader.maxValues else {
            throw Failure(message: .aliasesExpandTooFar(YAMLReader.maxValues), range: range(node))
        }
        guard depth < YAMLReader.maxDepth else {
            throw Failure(message: .nestsTooDeep(YAMLReader.maxDepth), range: range(node))
        }
        switch node {
        case .scalar(let s): return try scalar(s, node)
        case .sequence(let items):
            var out: [JSONValue] = []
            for (i, item) in items.enumerated() {
                let p = "\(path)[\(i)]"
                places[p] = places[p] ?? range(item)
                out.append(try value(item, path: p, depth: depth + 1))
            }
            return .array(out)
        case .mapping(let pairs):
            var out: [(String, JSONValue)] = []
            var merged: [(String, JSONValue)] = []
            for (k, v) in pairs {
                guard case .scalar(let ks) = k else {
                    throw Failure(message: .yamlKeyNotScalar, range: range(k))
                }
                if Tag.Name(rawValue: k.tag.rawValue) == .merge {
                    // `<<: *defaults`: the anchored map's keys, under those written here (as PyYAML merges).
                    let maps: [Yams.Node] = v.sequence.map(Array.init) ?? [v]
                    for m in maps {
                        guard case .object(let kvs) = try value(m, path: path, depth: depth + 1) else {
                            throw Failure(message: .yamlMergeNotMap, range: range(v))
                        }
                        for kv in kvs where !merged.contains(where: { $0.0 == kv.0 }) { merged.append(kv) }
                    }
                    continue
                }
                let p = path.isEmpty ? ks.string : "\(path).\(ks.string)"
                places[p] = range(k)
                out.append((ks.string, try value(v, path: p, depth: depth + 1)))
            }
            for kv in merged where !out.contains(where: { $0.0 == kv.0 }) { out.append(kv) }
            return .object(out)
        case .alias:
            throw Failure(message: .yamlAliasUnresolved, range: range(node))
        }
    }

    /// A scalar as YAML 1.1 resolves it (PyYAML, which Composer and OmegaConf build on).
    private func scalar(_ s: Yams.Node.Scalar, _ node: Yams.Node) throws(Failure) -> JSONValue {
        switch Tag.Name(rawValue: node.tag.rawValue) {
        case .null: return .null
        case .bool:
            guard let b = Bool.construct(from: s) else { break }
            return .bool(b)
        case .int:
            if let n = Int.construct(from: s) { return .number(Double(n)) }
            if let x = Double(s.string.replacingOccurrences(of: "_", with: "")) { return .number(x) }
        case .float:
            if let x = Double.construct(from: s) { return .number(x) }
        case .str, .implicit, .timestamp: return .string(s.string)
        default:
            throw Failure(message: .yamlTagUnread(node.tag.rawValue), range: range(node))
        }
        throw Failure(message: .yamlTagMismatch(s.string, node.tag.rawValue), range: range(node))
    }

    // MARK: - places

    private func range(_ node: Yams.Node) -> SourceRange {
        guard let mark = node.mark else { return SourceRange(0, 0) }
        let start = offset(line: mark.line, column: mark.column)
        if case .scalar(let s) = node, s.style == .plain { return SourceRange(start, start + s.string.utf8.count) }
        return SourceRange(start, start + 1)
    }

    private func offset(line: Int, column: Int) -> Int { file.offset(line: line, column: column) }

    private func failure(_ error: YamlError) -> Failure {
        func at(_ mark: Mark) -> SourceRange {
            let o = offset(line: mark.line, column: mark.column)
            return SourceRange(o, o + 1)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let why = context.map { "\($0.text) " } ?? ""
            return Failure(message: .invalidYAML("\(why)\(problem)"), range: at(mark))
        case .duplicatedKeysInMapping(let keys, let context):
            return Failure(message: .yamlKeyTwice(keys), range: at(context.mark))
        case .reader(let problem, let offset, _, _):
            return Failure(
                message: .unreadableYAML(problem), range: SourceRange(offset ?? 0, (offset ?? 0) + 1))
        default:
            return Failure(message: .invalidYAML("\(error)"), range: SourceRange(0, 0))
        }
    }
}
