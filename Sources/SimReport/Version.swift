import BuildInfo

/// mksim's version: what a result was made with (same inputs, seed and version: the same
/// result). Raised with every change to the model's results.
public enum MKSimVersion {
    public static let number = "0.13.0"
    /// `mksim --version`: the version, the git commit of the build, the result format.
    public static var description: String {
        "mksim \(number) (commit \(BuildInfo.commit ?? "unknown"), result format \(ResultJSON.formatVersion))"
    }
}
