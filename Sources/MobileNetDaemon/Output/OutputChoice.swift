/// The line device the settings ask for: stdout, or a serial port at `--baud`.
public enum OutputChoice {
    public static func make(_ settings: WatchSettings) throws(SettingError) -> any LineDevice {
        switch settings.output {
        case .stdout: return StandardOutputDevice()
        case .serial(let path): return try SerialPort(path: path, baud: settings.baud)
        }
    }
}
