import Foundation
import Testing

@testable import Ramp

/// Enough of a TextMate tokenizer to read the grammar as an editor does: at
/// each place the pattern that matches first wins (ties go to the earlier
/// pattern), a `match` names its text and its captures, a `begin`/`end`
/// region names everything up to its end.
struct TextMateGrammar {
    final class Rule {
        var match: NSRegularExpression?
        var begin: NSRegularExpression?
        var end: NSRegularExpression?
        var name: String?
        var captures: [Int: String] = [:]
        var patterns: [Rule] = []
        init() {}
    }

    let top: [Rule]

    init(_ json: [String: Any]) throws {
        let repository = json["repository"] as? [String: Any] ?? [:]
        func rules(_ list: [[String: Any]]) throws -> [Rule] {
            try list.flatMap { p -> [Rule] in
                if let include = p["include"] as? String {
                    let key = String(include.dropFirst())
                    let entry = try #require(repository[key] as? [String: Any], "no repository entry \(include)")
                    return try rules([entry])
                }
                if let nested = p["patterns"] as? [[String: Any]], p["match"] == nil, p["begin"] == nil {
                    return try rules(nested)
                }
                let r = Rule()
                r.name = p["name"] as? String
                if let m = p["match"] as? String {
                    r.match = try NSRegularExpression(pattern: m, options: [.anchorsMatchLines])
                }
                if let b = p["begin"] as? String {
                    r.begin = try NSRegularExpression(pattern: b, options: [.anchorsMatchLines])
                }
                if let e = p["end"] as? String {
                    r.end = try NSRegularExpression(pattern: e, options: [.anchorsMatchLines])
                }
                for (k, v) in p["captures"] as? [String: [String: String]] ?? [:] { r.captures[Int(k)!] = v["name"] }
                r.patterns = try rules(p["patterns"] as? [[String: Any]] ?? [])
                return [r]
            }
        }
        top = try rules(json["patterns"] as? [[String: Any]] ?? [])
    }

    /// The innermost scope at each UTF-16 offset of `line`.
    func scopes(_ line: String) -> [String?] {
        let ns = line as NSString
        var out = [String?](repeating: nil, count: ns.length)
        var pos = 0
        func mark(_ r: NSRange, _ scope: String?) {
            guard let scope, r.location != NSNotFound else { return }
            for i in r.location..<(r.location + r.length) { out[i] = scope }
        }
        while pos < ns.length {
            var best: (NSTextCheckingResult, Rule)?
            for rule in top {
                guard let re = rule.match ?? rule.begin,
                    let m = re.firstMatch(in: line, range: NSRange(location: pos, length: ns.length - pos))
                else { continue }
                if best == nil || m.range.location < best!.0.range.location { best = (m, rule) }
            }
            guard let (m, rule) = best else { break }
            var stop = m.range.location + m.range.length
            if rule.begin != nil, let end = rule.end {
                let e = end.firstMatch(in: line, range: NSRange(location: stop, length: ns.length - stop))
                stop = e.map { $0.range.location + $0.range.length } ?? ns.length
            }
            mark(NSRange(location: m.range.location, length: stop - m.range.location), rule.name)
            for (k, scope) in rule.captures where k < m.numberOfRanges { mark(m.range(at: k), scope) }
            pos = max(stop, pos + 1)
        }
        return out
    }
}

/// The words every grammar must know, from the registry.
struct Words {
    let json = Vocabulary.json
    func list(_ key: String) -> [String] { json[key]!.items.compactMap(\.text) }
}

@Suite struct EditorGrammarTests {
    static let root = repositoryRoot.appendingPathComponent("editors")

    static func textMate() throws -> TextMateGrammar {
        let data = try Data(contentsOf: root.appendingPathComponent("textmate/ramp.tmLanguage.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["scopeName"] as? String == "source.ramp")
        return try TextMateGrammar(json)
    }

    @Test func textMateScopesCoverTheRegistry() throws {
        let g = try EditorGrammarTests.textMate()
        let words = Words()
        func scope(_ line: String, at word: String) -> String? {
            let at = (line as NSString).range(of: word).location
            return g.scopes(line)[at]
        }
        for k in words.list("keywords") {
            let s = scope("x \(k) y", at: k)
            #expect(
                s?.hasPrefix("keyword.") == true || s?.hasPrefix("storage.") == true, "keyword \(k): \(s ?? "none")")
        }
        for u in words.list("units") {
            let line = u == "%" ? "warmup 10%" : "warmup 5 \(u)"
            #expect(scope(line, at: u) == "keyword.other.unit.ramp", "unit \(u)")
            #expect(scope(line, at: u == "%" ? "10" : "5") == "constant.numeric.ramp")
        }
        for b in words.list("builtins") {
            #expect(scope("x + \(b)(1)", at: b) == "support.function.builtin.ramp", "builtin \(b)")
        }
        for n in words.list("namespaces") {
            #expect(scope("\(n).Anything(1)", at: n) == "entity.name.namespace.ramp", "namespace \(n)")
        }
        for c in words.list("constructors") {
            let last = String(c.split(separator: ".").last!)
            #expect(scope("\(c)(1)", at: "." + last) == "support.class.ramp", "constructor \(c)")
        }
        for s in words.list("settings") {
            #expect(scope("\(s) 1", at: s) == "variable.other.setting.ramp", "setting \(s)")
        }
        for s in words.list("specials") {
            let found = scope("x + \(s) * 2", at: s)
            #expect(found == "variable.language.ramp" || found == "constant.language.ramp", "special \(s)")
        }
        // Named arguments are parameters, even when they spell a builtin; comments and strings win.
        #expect(scope("cosine(T=50, min=0)", at: "min") == "variable.parameter.ramp")
        #expect(scope("warmup 5 # then cosine", at: "cosine") == "comment.line.number-sign.ramp")
        #expect(scope("x(\"warmup then\")", at: "then") == "string.quoted.double.ramp")
        #expect(scope("momentum: cosine(T=5)", at: "momentum") == "variable.other.output.ramp")
        #expect(scope("def ramp_f(x) = x", at: "ramp_f") == "entity.name.function.ramp")
    }

    /// The Vim syntax file's keyword lists hold every word of the registry.
    @Test func vimSyntaxCoversTheRegistry() throws {
        let text = try String(
            contentsOf: EditorGrammarTests.root.appendingPathComponent("vim/syntax/ramp.vim"), encoding: .utf8)
        var keywords: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("syntax keyword ") {
            let parts = line.split(separator: " ").map(String.init)
            keywords[parts[2], default: []].formUnion(parts[3...])
        }
        // Builtins are matches (`"\<\%(constant\|linear\)\>..."`), so a named argument can win over them.
        var builtins: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("syntax match rampBuiltin ") {
            let inner = try #require(
                line.components(separatedBy: "\\%(").dropFirst().first?.components(separatedBy: "\\)").first)
            builtins.formUnion(inner.components(separatedBy: "\\|"))
        }
        let words = Words()
        #expect(Set(words.list("builtins")) == builtins)
        #expect(
            Set(words.list("keywords"))
                == keywords["rampConditional", default: []].union(keywords["rampOperatorWord"] ?? []).union(
                    keywords["rampDefine"] ?? []))
        for n in words.list("namespaces") {
            #expect(text.contains("\\|\(n)\\|") || text.contains("(\(n)\\|") || text.contains("\\|\(n)\\)"), "\(n)")
        }
        for s in words.list("settings") { #expect(text.contains(s), "\(s)") }
        for u in words.list("units") where u != "%" {
            #expect(
                text.contains("\\<\\%(steps\\|step\\|epochs\\|epoch\\|samples\\|sample\\|tokens\\|token\\)\\>")
                    && text.contains(u))
        }
    }

    /// The VS Code extension names files that exist, and reads the one grammar.
    @Test func vscodeExtensionIsWhole() throws {
        let dir = EditorGrammarTests.root.appendingPathComponent("vscode")
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("package.json")))
                as? [String: Any])
        let contributes = try #require(manifest["contributes"] as? [String: Any])
        let grammar = try #require((contributes["grammars"] as? [[String: Any]])?.first)
        let grammarPath = dir.appendingPathComponent(try #require(grammar["path"] as? String)).resolvingSymlinksInPath()
        #expect(
            grammarPath.path
                == EditorGrammarTests.root.appendingPathComponent("textmate/ramp.tmLanguage.json")
                .resolvingSymlinksInPath().path)
        let language = try #require((contributes["languages"] as? [[String: Any]])?.first)
        #expect(language["extensions"] as? [String] == [".ramp"])
        _ = try JSONSerialization.jsonObject(
            with: Data(contentsOf: dir.appendingPathComponent(try #require(language["configuration"] as? String))))
        #expect(
            FileManager.default.fileExists(
                atPath: dir.appendingPathComponent(try #require(manifest["main"] as? String)).path))
        #expect(manifest["version"] as? String == RampRelease.version)
    }
}
