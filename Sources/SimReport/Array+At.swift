public extension Array {
    /// The element at `i`, or nil outside the array (names looked up by a record's id).
    func at(_ i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
