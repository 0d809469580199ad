import ArgumentParser
import Foundation
import Ramp

extension RampCommand {
    struct Fmt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lay programs out in the one canonical format.",
            discussion: """
                Rewrites each FILE in place; a folder stands for the .ramp files under it. With no FILE, or with -, \
                formats standard input to standard output. A file with syntax errors is reported and left as it is.

                Exit status: 0 done; 1 a file could not be read, parsed or written. With --check: 0 every file is \
                formatted, 1 some file would change, 2 a file could not be read or parsed (or an option was misused).
                """)

        @Flag(help: "Write nothing: name each file that would change, and exit 1 if any would.")
        var check = false

        @Flag(help: "Write nothing: print what would change as a unified diff.")
        var diff = false

        @Argument(help: "Program files, or folders of them, to format.")
        var files: [String] = []

        func run() throws {
            var failed = false
            var changes = false
            for path in Fmt.expand(files.isEmpty ? ["-"] : files) {
                let file: SourceFile
                if path == "-" {
                    file = SourceFile(name: "<stdin>", bytes: [UInt8](FileHandle.standardInput.readDataToEndOfFile()))
                } else {
                    do { file = try SourceFile.load(path: path) } catch {
                        Stderr.print(error.description)
                        failed = true
                        continue
                    }
                    if IR.isDocument(file.text) {
                        Stderr.print("\(path): error: an IR document, not Ramp source; it is not formatted")
                        failed = true
                        continue
                    }
                }
                let formatted: String
                do { formatted = try Formatter.format(file) } catch {
                    Stderr.print(DiagnosticPrinter.render(error.diagnostics, in: file))
                    failed = true
                    continue
                }
                let changed = formatted != file.text
                changes = changes || changed
                if diff {
                    let unified = TextDiff.unified(
                        file.text, formatted, oldName: "\(file.name) (as it is)", newName: "\(file.name) (formatted)")
                    print(Stdout.shown(unified), terminator: "")
                }
                if check {
                    if changed { print(Stdout.shown(file.name)) }
                } else if !diff {
                    if path == "-" {
                        print(Stdout.shown(formatted), terminator: "")
                    } else if changed {
                        do { try AtomicFile.write(formatted, to: path) } catch {
                            Stderr.print("\(error)")
                            failed = true
                        }
                    }
                }
            }
            // --check answers a question, as diff does: trouble is 2, so a CI job can tell it from "untidy".
            if failed { throw ExitCode(check ? 2 : 1) }
            if check && changes { throw ExitCode(1) }
        }

        /// Folders become the .ramp files under them, sorted, skipping hidden folders and build output.
        static func expand(_ paths: [String]) -> [String] {
            paths.flatMap { path -> [String] in
                var isDir: ObjCBool = false
                guard path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue
                else { return [path] }
                let walker = FileManager.default.enumerator(atPath: path)
                var found: [String] = []
                while let entry = walker?.nextObject() as? String {
                    let name = (entry as NSString).lastPathComponent
                    if name.hasPrefix(".") {
                        walker?.skipDescendants()
                        continue
                    }
                    if entry.hasSuffix(".ramp") { found.append((path as NSString).appendingPathComponent(entry)) }
                }
                return found.sorted()
            }
        }
    }
}
