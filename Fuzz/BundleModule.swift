import Foundation

// Outside SwiftPM there is no generated resource accessor; the fuzzer never
// trains the logistic objective, so the main bundle stands in for it.
extension Foundation.Bundle {
    static let module = Bundle.main
}
