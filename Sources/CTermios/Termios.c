#include "CTermios.h"

#include <errno.h>
#include <termios.h>

typedef struct { unsigned baud; speed_t speed; } speed_entry;

static const speed_entry speeds[] = {
    {1200, B1200}, {2400, B2400}, {4800, B4800}, {9600, B9600}, {19200, B19200},
    {38400, B38400}, {57600, B57600}, {115200, B115200}, {230400, B230400},
#ifdef B460800
    {460800, B460800},
#endif
#ifdef B500000
    {500000, B500000},
#endif
#ifdef B921600
    {921600, B921600},
#endif
#ifdef B1000000
    {1000000, B1000000},
#endif
#ifdef B1500000
    {1500000, B1500000},
#endif
#ifdef B2000000
    {2000000, B2000000},
#endif
#ifdef B3000000
    {3000000, B3000000},
#endif
};

static int speed_for(unsigned baud, speed_t *out) {
    for (unsigned i = 0; i < sizeof speeds / sizeof speeds[0]; i++) {
        if (speeds[i].baud == baud) { *out = speeds[i].speed; return 0; }
    }
    return -1;
}

bool ct_is_supported_baud(unsigned baud) {
    speed_t speed;
    return speed_for(baud, &speed) == 0;
}

int ct_configure_raw_8n1(int fd, unsigned baud) {
    speed_t speed;
    if (speed_for(baud, &speed) != 0) { errno = EINVAL; return -1; }
    struct termios t;
    if (tcgetattr(fd, &t) != 0) return -1;
    cfmakeraw(&t);  // no canonical mode, echo, signals or processing; CS8, no parity
    t.c_cflag &= ~(tcflag_t)(PARENB | CSTOPB | CSIZE | CRTSCTS);
    t.c_cflag |= CS8 | CREAD | CLOCAL;
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (cfsetspeed(&t, speed) != 0) return -1;
    return tcsetattr(fd, TCSANOW, &t);
}

int ct_read_settings(int fd, ct_settings *out) {
    struct termios t;
    if (tcgetattr(fd, &t) != 0) return -1;
    speed_t speed = cfgetospeed(&t);
    out->baud = 0;
    for (unsigned i = 0; i < sizeof speeds / sizeof speeds[0]; i++) {
        if (speeds[i].speed == speed) { out->baud = speeds[i].baud; break; }
    }
    switch (t.c_cflag & CSIZE) {
    case CS5: out->data_bits = 5; break;
    case CS6: out->data_bits = 6; break;
    case CS7: out->data_bits = 7; break;
    default: out->data_bits = 8; break;
    }
    out->parity = (t.c_cflag & PARENB) != 0;
    out->stop_bits = (t.c_cflag & CSTOPB) ? 2 : 1;
    out->raw = (t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN)) == 0
        && (t.c_iflag & (ICRNL | INLCR | IGNCR | ISTRIP | BRKINT)) == 0
        && (t.c_oflag & OPOST) == 0;
    out->hardware_flow = (t.c_cflag & CRTSCTS) != 0;
    out->software_flow = (t.c_iflag & (IXON | IXOFF)) != 0;
    return 0;
}
