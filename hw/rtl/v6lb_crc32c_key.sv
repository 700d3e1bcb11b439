// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF,
// the iSCSI CRC) of the 37-byte canonical flow key, purely combinational. `crc` equals
// crc32c_portable() of host/lib/crc32c.cc over the same bytes ("123456789" -> 0xE3069283).
//
// Written as its matrix: the CRC is affine in the key bits, crc = C0 ^ M * key over GF(2), so
// output bit j is the parity of the key bits selected by row j of M, plus a constant. Both are
// derived from the polynomial at elaboration (crc_columns / crc_of_zero below run the
// bit-serial definition), so the matrix cannot disagree with the reference. Each output bit is then one
// reduction XOR of at most 296 bits: a balanced tree of 4 LUT6 levels. The bit-serial form
// (296 dependent shift/XOR steps) synthesizes to 48 LUT levels, because no synthesizer fully
// rebalances an XOR chain that long (docs/PERFORMANCE.md, "Timing proxy").
//
// Byte order: canonical key byte i is key[8*i +: 8]; inside a byte the reflected CRC consumes
// bit 0 first, which is exactly the C++ table loop's order.
module v6lb_crc32c_key (
    input  wire [295:0] key,
    output wire [31:0]  crc
);
  localparam integer KEY_BITS = 296;
  localparam [31:0] POLY = 32'h82F63B78;

  // One step of the reflected shift register.
  function automatic [31:0] step(input [31:0] c);
    step = c[0] ? ((c >> 1) ^ POLY) : (c >> 1);
  endfunction

  // Column i of M, for every key bit at once: the register's content from key bit i alone
  // (initial value 0, no final XOR). Bit k of byte b is XORed into position k when the byte
  // enters and is then shifted through the 8 * (37 - b) steps to the end of the key, so the
  // columns are built from the last byte backwards, 8 steps per byte (2,368 steps in all).
  // Column i is COLUMNS[32*i +: 32].
  function automatic [32*KEY_BITS-1:0] crc_columns(input integer bits);
    integer b;
    integer k;
    integer s;
    reg [255:0] u;  // u[32*k +: 32]: the column of bit k of the current byte
    reg [31:0] c;
    begin
      for (k = 0; k < 8; k = k + 1) u[32*k +: 32] = 32'd1 << k;
      for (b = bits / 8 - 1; b >= 0; b = b - 1) begin
        for (k = 0; k < 8; k = k + 1) begin
          c = u[32*k +: 32];
          for (s = 0; s < 8; s = s + 1) c = step(c);
          u[32*k +: 32] = c;
          crc_columns[32*(8*b+k) +: 32] = c;
        end
      end
    end
  endfunction

  // The CRC of the all-zero key: the initial value shifted through every bit, then the final XOR.
  function automatic [31:0] crc_of_zero(input integer bits);
    integer s;
    reg [31:0] c;
    begin
      c = 32'hFFFFFFFF;
      for (s = 0; s < bits; s = s + 1) c = step(c);
      crc_of_zero = ~c;
    end
  endfunction

  localparam [32*KEY_BITS-1:0] COLUMNS = crc_columns(KEY_BITS);
  localparam [31:0] C0 = crc_of_zero(KEY_BITS);

  // Row j of M: which key bits feed output bit j.
  function automatic [KEY_BITS-1:0] crc_row(input integer j);
    integer i;
    begin
      for (i = 0; i < KEY_BITS; i = i + 1) crc_row[i] = COLUMNS[32*i+j];
    end
  endfunction

  genvar j;
  generate
    for (j = 0; j < 32; j = j + 1) begin : g_bit
      localparam [KEY_BITS-1:0] ROW = crc_row(j);
      assign crc[j] = C0[j] ^ (^(key & ROW));
    end
  endgenerate
endmodule
