import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

/** The framework alone: Nest 12 on Fastify returning the same JSON, no validation, cache or metrics. */
@Controller()
class HelloController {
  @Get('lookup/:id')
  lookup(@Param('id') id: string) {
    return { id: Number(id), title: 'How to get a good grade in DOS in 20 minutes a day', topic: 'distributed systems', cost: 9000, quantity: 77 };
  }
}

@Module({ controllers: [HelloController] })
class HelloModule {}

async function main() {
  const app = await NestFactory.create<NestFastifyApplication>(HelloModule, new FastifyAdapter(), { logger: false });
  await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
  process.send?.('ready');
}
void main();
