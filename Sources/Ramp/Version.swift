/// Ramp's release: `ramp --version`, the language server's `serverInfo`, and
/// the Python package's version are this one string.
public enum RampRelease {
    public static let version = "0.1.0"
}
