/// mksim's version: what a result was made with (same inputs, seed and version: the same
/// result). Raised with every change to the model's results.
public enum MKSimVersion {
    public static let number = "0.11.0"
    public static var description: String { "mksim \(number) (result format \(ResultJSON.formatVersion))" }
}
