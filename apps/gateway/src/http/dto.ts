import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsNumber, Max, Min } from 'class-validator';

export const MAX_PRICE = 1e12;
export const MAX_QUANTITY = 1_000_000_000;

export class UpdatePriceDto {
  @ApiProperty({ example: 42.5, minimum: 0, description: 'new price (Bazar calls it cost)' })
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(MAX_PRICE)
  price!: number;
}

export class UpdateQuantityDto {
  @ApiProperty({ example: 100, minimum: 0, description: 'absolute stock' })
  @IsInt() @Min(0) @Max(MAX_QUANTITY)
  quantity!: number;
}

export class BazarItemView {
  @ApiProperty() id!: number;
  @ApiProperty() title!: string;
  @ApiProperty() topic!: string;
  @ApiProperty() cost!: number;
  @ApiProperty() quantity!: number;
}

export class MessageView {
  @ApiProperty() message!: string;
}

export class ToyProductView {
  @ApiProperty({ example: { name: 'Tux', price: 15.99, quantity: 100 } })
  data!: { name: string; price: number; quantity: number };
}

export class ToyErrorView {
  @ApiProperty({ example: { code: 404, message: 'product not found' } })
  error!: { code: number; message: string };
}

export class BazarBuyView {
  @ApiProperty() book_id!: number;
  @ApiProperty() order_id!: number;
}

export class ToyOrderDto {
  @ApiProperty({ example: 'Tux' }) name!: string;
  @ApiProperty({ example: 1, minimum: 1 }) quantity!: number;
}

export class ToyOrderView {
  @ApiProperty({ example: { order_number: 0 } })
  data!: { order_number: number };
}

export class ToyOrderQueryView {
  @ApiProperty({ example: { number: 0, name: 'Tux', quantity: 1 } })
  data!: { number: number; name: string; quantity: number };
}
