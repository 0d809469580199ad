import CEditLine
import Foundation
import Ramp

/// A line editor on libedit: emacs keys, persistent history, UTF-8, tab
/// completion, Ctrl-C to abandon a line and Ctrl-D to leave.
final class EditLineReader: LineReader {
    private let editor: OpaquePointer
    private let history: OpaquePointer
    private let historyPath: String?
    private var promptBuffer: UnsafeMutablePointer<CChar>?
    private var interrupted = false
    /// Completes the word before the cursor: (start of the word, candidates).
    let complete: (String, Int) -> (Int, [String])

    init?(historyPath: String?, complete: @escaping (String, Int) -> (Int, [String])) {
        setlocale(LC_CTYPE, "")
        guard let e = ramp_el_init("ramp"), let h = ramp_history_init(1000) else { return nil }
        editor = e
        history = h
        self.historyPath = historyPath
        self.complete = complete
        if let historyPath { _ = ramp_history_load(h, historyPath) }
        ramp_el_set_editor(e, "emacs")
        ramp_el_set_history(e, h)
        ramp_el_set_clientdata(e, Unmanaged.passUnretained(self).toOpaque())
        ramp_el_set_prompt(e) { el in
            guard let el, let data = ramp_el_get_clientdata(el) else { return nil }
            return Unmanaged<EditLineReader>.fromOpaque(data).takeUnretainedValue().promptBuffer
        }
        ramp_el_add_function(e, "ramp-complete", "complete the word") { el, _ in
            guard let el, let data = ramp_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            return Unmanaged<EditLineReader>.fromOpaque(data).takeUnretainedValue().completeWord(el)
        }
        ramp_el_add_function(e, "ramp-interrupt", "abandon the line") { el, _ in
            guard let el, let data = ramp_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            Unmanaged<EditLineReader>.fromOpaque(data).takeUnretainedValue().interrupted = true
            // An empty line would come back as NULL, which means end of input.
            el_insertstr(el, "\n")
            return UInt8(CC_NEWLINE)
        }
        ramp_el_bind(e, "^I", "ramp-complete")
        ramp_el_no_isig(e)
        ramp_el_bind(e, "^C", "ramp-interrupt")
    }

    deinit {
        el_end(editor)
        history_end(history)
        free(promptBuffer)
    }

    func readLine(prompt: String) -> LineRead {
        free(promptBuffer)
        promptBuffer = strdup(prompt)
        var count: Int32 = 0
        let raw = el_gets(editor, &count)
        if interrupted {
            interrupted = false
            FileHandle.standardOutput.write(Data("^C\n".utf8))
            return .interrupted
        }
        guard let raw else {
            // NULL with count 0 is the end of input; -1 is an error, treated the same.
            if count == 0 { FileHandle.standardOutput.write(Data("\n".utf8)) }
            return .endOfInput
        }
        var line = String(cString: raw)  // a copy; libedit owns `raw`
        if line.hasSuffix("\n") { line.removeLast() }
        if !line.trimmingCharacters(in: .whitespaces).isEmpty {
            ramp_history_enter(history, line)
            if let historyPath { ramp_history_save(history, historyPath) }
        }
        return .line(line)
    }

    private func completeWord(_ el: OpaquePointer) -> UInt8 {
        guard let info = el_line(el)?.pointee, let buffer = info.buffer else { return UInt8(CC_ERROR) }
        let before = String(decoding: UnsafeRawBufferPointer(start: buffer, count: info.cursor - buffer), as: UTF8.self)
        let whole = String(
            decoding: UnsafeRawBufferPointer(start: buffer, count: info.lastchar - buffer), as: UTF8.self)
        let cursor = before.count
        let (start, candidates) = complete(whole, cursor)
        let word = String(Array(before)[min(start, cursor)..<cursor])
        guard !candidates.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
        var common = candidates[0]
        for c in candidates.dropFirst() {
            while !c.hasPrefix(common) { common.removeLast() }
        }
        if common.count > word.count, common.hasPrefix(word) {
            el_insertstr(el, String(common.dropFirst(word.count)))
            return UInt8(CC_REFRESH)
        }
        if candidates.count == 1 { return UInt8(CC_REFRESH) }
        let shown = candidates.prefix(60).joined(separator: "  ") + (candidates.count > 60 ? "  …" : "")
        FileHandle.standardOutput.write(Data(("\n" + shown + "\n").utf8))
        return UInt8(CC_REDISPLAY)
    }
}
