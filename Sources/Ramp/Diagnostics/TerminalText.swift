/// Text bound for a terminal, made safe to show: a control character in a
/// name, a string or a comment would otherwise be obeyed by the terminal
/// (an `ESC ] 2 ;` sequence retitles the window), so each is shown as a
/// visible escape instead. Newlines and tabs are layout and stay. JSON
/// output escapes by its own rules and does not pass through here.
public enum TerminalText {
    /// `\u{1B}` for ESC, and likewise for every other character `isControl` names.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars { out.append(contentsOf: shown(s).unicodeScalars) }
        return String(out)
    }

    /// How one character is shown: itself, or its escape.
    public static func shown(_ s: Unicode.Scalar) -> String {
        isControl(s) ? "\\u{" + String(s.value, radix: 16, uppercase: true) + "}" : String(Character(s))
    }

    /// C0 controls but newline and tab, DEL, the C1 controls, the line and
    /// paragraph separators, and the bidirectional overrides and isolates
    /// (which can make shown text read differently from what it is).
    public static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0A, 0x09: return false
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}
