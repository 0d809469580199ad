/// R00: the source text, before any token is read.
extension DiagnosticMessage {
    static let invalidUTF8 = DiagnosticMessage(.invalidUTF8, "invalid UTF-8 in source")

    /// `shown` is the character as the source has it (one ASCII byte, or the whole scalar).
    static func unexpectedCharacter(_ shown: String) -> Self {
        .init(.unexpectedCharacter, "unexpected character '\(shown)'")
    }

    static let nulByte = DiagnosticMessage(.unexpectedCharacter, "NUL byte in source")

    static func controlCharacter(_ byte: UInt8) -> Self {
        .init(.unexpectedCharacter, "unexpected control character (byte 0x\(String(byte, radix: 16)))")
    }

    static func malformedNumber(_ text: String) -> Self { .init(.malformedNumber, "malformed number '\(text)'") }

    static let malformedNumber = DiagnosticMessage(.malformedNumber, "malformed number")

    /// `digits` is the number without its `_` separators.
    static func numberTooLarge(_ digits: String) -> Self {
        .init(.malformedNumber, "number '\(digits)' is too large to represent")
    }

    static let unterminatedString = DiagnosticMessage(.unterminatedString, "unterminated string")
}
