// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF,
// the iSCSI CRC) of the 37-byte canonical flow key, purely combinational. `crc` equals
// crc32c_portable() of host/lib/crc32c.cc over the same bytes ("123456789" -> 0xE3069283).
//
// Written as the bit-serial definition on purpose: the loops have constant bounds, so every
// synthesizer unrolls them and reduces each output bit to one XOR tree of key bits (at most
// 296 inputs before simplification), which is as small as a hand-derived matrix and cannot
// disagree with the reference. Pipeline it at the instantiation if timing needs it.
//
// Byte order: canonical key byte i is key[8*i +: 8]; inside a byte the reflected CRC consumes
// bit 0 first, which is exactly the C++ table loop's order.
module v6lb_crc32c_key (
    input  wire [295:0] key,
    output wire [31:0]  crc
);
  localparam integer KEY_BYTES = 37;
  localparam [31:0] POLY = 32'h82F63B78;

  function [31:0] crc32c_bytes;
    input [8*KEY_BYTES-1:0] data;
    integer i;
    integer k;
    reg [31:0] c;
    begin
      c = 32'hFFFFFFFF;
      for (i = 0; i < KEY_BYTES; i = i + 1) begin
        c = c ^ {24'd0, data[8*i +: 8]};
        for (k = 0; k < 8; k = k + 1) begin
          c = c[0] ? ((c >> 1) ^ POLY) : (c >> 1);
        end
      end
      crc32c_bytes = ~c;
    end
  endfunction

  assign crc = crc32c_bytes(key);
endmodule
