client {
}
