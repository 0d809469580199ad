import Foundation
import Testing

@testable import Ramp

/// Drives `ramp repl` in a real terminal through tmux, on a socket of its own.
struct Tmux {
    let socket = "ramp-test-\(UUID().uuidString.prefix(8))"

    /// Runs a tmux command with posix_spawn, every inherited descriptor above
    /// 2 closed, and waits for it. Foundation's Process is not used: the tmux
    /// server that new-session starts would inherit the descriptors Process
    /// watches, and Process would then never see its child exit.
    @discardableResult
    func run(_ args: [String]) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UUID().uuidString).out")
            .path
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        let argv = ["tmux", "-L", socket] + args
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "tmux", &actions, nil, &cargs, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    func screen() throws -> [String] {
        try run(["capture-pane", "-p", "-t", "s"]).split(separator: "\n").map(String.init)
    }

    /// Waits until the screen satisfies `test`, for at most 10 seconds.
    func wait(_ what: String, _ test: ([String]) -> Bool) throws -> [String] {
        let deadline = Date().addingTimeInterval(10)
        var lines: [String] = []
        while Date() < deadline {
            lines = try screen()
            if test(lines) { return lines }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("timed out waiting for \(what); the screen was:\n\(lines.joined(separator: "\n"))")
        return lines
    }

    static var available: Bool {
        ["/usr/bin/tmux", "/usr/local/bin/tmux"].contains(where: FileManager.default.isExecutableFile)
    }
}

@Suite(.serialized) struct ReplTerminalTests {
    @Test func typingHistoryCompletionAndCtrlD() throws {
        guard Tmux.available else {
            print("note: skipping the terminal REPL test: tmux is not installed")
            return
        }
        let tmux = Tmux()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("ramp-repl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let binary = repositoryRoot.appendingPathComponent(".build/debug/ramp").path
        let command = "env XDG_STATE_HOME=\(state) TERM=xterm \(binary) repl; echo EXITED:$?; sleep 20"
        defer { _ = try? tmux.run(["kill-server"]) }

        try tmux.run(["new-session", "-d", "-s", "s", "-x", "120", "-y", "40", command])
        _ = try tmux.wait("the prompt") { $0.contains { $0.hasPrefix("ramp>") } }

        try tmux.run(["send-keys", "-t", "s", "cosine(T=10)", "Enter"])
        let summary = try tmux.wait("the summary") { $0.contains { $0.hasPrefix("lr[0] = 1  lr[2] = 0.904508") } }
        #expect(summary.contains("███▇▆▄▃▂▁▁  steps 0–9"))

        try tmux.run(["send-keys", "-t", "s", "cos", "Tab"])
        _ = try tmux.wait("the completion of cos") { $0.last { !$0.isEmpty } == "ramp> cosine" }

        try tmux.run(["send-keys", "-t", "s", "C-u", "Up"])
        _ = try tmux.wait("history recall") { $0.last { !$0.isEmpty } == "ramp> cosine(T=10)" }

        try tmux.run(["send-keys", "-t", "s", "C-c"])
        _ = try tmux.wait("Ctrl-C abandoning the line") { $0.last { !$0.isEmpty } == "ramp>" }

        try tmux.run(["send-keys", "-t", "s", "C-d"])
        _ = try tmux.wait("a clean exit on Ctrl-D") { $0.contains("EXITED:0") }

        // History survives a restart (in a new tmux server, so the old one's shutdown cannot interfere).
        let again = Tmux()
        defer { _ = try? again.run(["kill-server"]) }
        try again.run(["new-session", "-d", "-s", "s", "-x", "120", "-y", "40", command])
        _ = try again.wait("the prompt after a restart") { $0.contains { $0.hasPrefix("ramp>") } }
        try again.run(["send-keys", "-t", "s", "Up"])
        _ = try again.wait("history from the last session") { $0.last { !$0.isEmpty } == "ramp> cosine(T=10)" }
        try again.run(["send-keys", "-t", "s", "C-u", "C-d"])
        _ = try again.wait("a clean exit") { $0.contains("EXITED:0") }
        #expect(FileManager.default.fileExists(atPath: state + "/ramp/history"))
    }
}

@Suite(.serialized) struct ReplPipeTests {
    @Test func pipedScriptHasNoPromptsOrEscapes() throws {
        let r = try ramp(["repl"], stdin: "cosine(T=10)\n:at 5\n")
        #expect(r.status == 0)
        #expect(
            r.stdout == """
                cosine(T=10)
                ███▇▆▄▃▂▁▁  steps 0–9
                lr[0] = 1  lr[2] = 0.904508  lr[5] = 0.5  lr[7] = 0.206107  lr[9] = 0.0244717
                lr[5] = 0.5

                """)
        #expect(!r.stdout.contains("\u{1B}"))
        #expect(!r.stdout.contains("ramp>"))
    }

    /// Random lines, control characters and invalid UTF-8 included, never end the session.
    @Test func tenThousandRandomLines() throws {
        var seed: UInt64 = 2026
        let pieces = [
            "cosine(T=", "5", ")", " then ", "warmup ", "until plateau(", "metric < ", ":at ", ":table 0..", ":plot 7",
            ":feed 1 2 ", ":step ", "let x = ", "def f(a) = ", "f(", "x", "\u{1}", "\u{7F}", "\u{1B}[2J", "é", "(", "[",
            "lambda e: e", "1e999", "-", "%", "epochs", ":load /", ":save /nonexistent/dir/x", "torch.StepLR(",
            "step_size=",
            "\t", "\"", "#", ";", ",", "..", ":set base ", "0", "nan", ":help ", ":explain", ":reset", ":show", "\\",
        ]
        var input = ""
        for _ in 0..<10_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var line = ""
            for k in 0..<Int((seed >> 59) % 9) {
                line += pieces[Int((seed >> UInt64(3 + 5 * k % 50)) % UInt64(pieces.count))]
            }
            input += line + "\n"
        }
        var bytes = Array(input.utf8)
        bytes.insert(contentsOf: [0xFF, 0xFE, 0x0A], at: bytes.count / 2)  // invalid UTF-8 mid-stream
        // An empty line ends any unfinished input; the session may have changed base.
        let r = try ramp(["repl"], stdin: String(decoding: bytes, as: UTF8.self) + "\n:set base 1\ncosine(T=3)\n")
        // Many of the random lines are refused, so the piped session exits 1, having run to its end.
        #expect(r.status == 1)
        #expect(r.stdout.hasSuffix("lr[0] = 1  lr[1] = 0.75  lr[2] = 0.25\n"))
    }
}
