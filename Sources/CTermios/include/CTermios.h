// Thin termios layer for the daemon's serial output: raw 8N1 at a chosen speed, and reading the
// settings back (for tests and for the "configured" log line). No state, no allocation.
#ifndef CTERMIOS_H
#define CTERMIOS_H

#include <stdbool.h>

/// What a serial line is set to, as read back from the driver.
typedef struct {
    unsigned baud;        ///< bits per second (0 when the speed is not a standard one)
    int data_bits;        ///< 5..8
    bool parity;          ///< PARENB
    int stop_bits;        ///< 1 or 2
    bool raw;             ///< no canonical mode, echo, signals, input or output processing
    bool hardware_flow;   ///< CRTSCTS
    bool software_flow;   ///< IXON/IXOFF
} ct_settings;

/// True when `baud` is a speed termios has a constant for.
bool ct_is_supported_baud(unsigned baud);

/// Sets `fd` to raw 8N1 at `baud`, no flow control, receiver on, modem lines ignored; applied
/// at once (TCSANOW). Returns 0, or -1 with errno set (EINVAL for an unsupported speed).
int ct_configure_raw_8n1(int fd, unsigned baud);

/// Reads `fd`'s settings into `out`. Returns 0, or -1 with errno set.
int ct_read_settings(int fd, ct_settings *out);

#endif
